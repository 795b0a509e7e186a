// inspectWeightFile and the pickle globals scanner: what a file holds, and what its pickles would
// import, without running anything.

#include "weights/weight_inspection.h"

#include <QFile>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace mwb;

Q_DECLARE_METATYPE(mwb::PickleVerdict)

namespace {

QString fixture(const char* rel)
{
    return QStringLiteral(MWB_WEIGHT_FIXTURES "/") + QString::fromUtf8(rel);
}

const TensorInfo* findTensor(const WeightFileInfo& info, const std::string& name)
{
    for (const TensorInfo& t : info.tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

const PickleGlobal*
findGlobal(const std::vector<PickleGlobal>& globals, const std::string& module, const std::string& name)
{
    for (const PickleGlobal& g : globals)
        if (g.module == module && g.name == name)
            return &g;
    return nullptr;
}

nlohmann::json expected()
{
    QFile file(fixture("good/expected.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = file.readAll();
    return nlohmann::json::parse(bytes.begin(), bytes.end());
}

} // namespace

class TestWeightsInspection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void listsTensorsOfGoodFiles_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("format");
        QTest::newRow("safetensors") << fixture("good/sd.safetensors") << "safetensors";
        QTest::newRow("zip") << fixture("good/sd_zip.pt") << "torch-zip";
        QTest::newRow("legacy") << fixture("good/sd_legacy.pth") << "torch-legacy";
        QTest::newRow("wrapped") << fixture("good/sd_wrapped.ckpt") << "torch-zip";
        QTest::newRow("index") << fixture("good/sharded_st/model.safetensors.index.json")
                               << "safetensors shards";
    }
    void listsTensorsOfGoodFiles()
    {
        QFETCH(QString, path);
        QFETCH(QString, format);
        auto info = inspectWeightFile(path);
        QVERIFY2(info, info ? "" : info.error().message.c_str());
        QCOMPARE(QString::fromStdString(info->format), format);
        QCOMPARE(info->verdict, PickleVerdict::Safe);
        const auto want = expected();
        QCOMPARE(info->tensors.size(), want.size());
        uint64_t total = 0;
        for (const auto& [name, spec] : want.items()) {
            const TensorInfo* t = findTensor(*info, name);
            QVERIFY2(t, name.c_str());
            QCOMPARE(t->dtype, spec["dtype"].get<std::string>());
            QCOMPARE(t->shape, spec["shape"].get<std::vector<int64_t>>());
            total += t->bytes;
        }
        QCOMPARE(info->totalBytes, total);
        const TensorInfo* conv = findTensor(*info, "0.weight");
        QCOMPARE(conv->bytes, uint64_t(4 * 3 * 3 * 3 * 4));
    }

    void safetensorsMetadataIsShown()
    {
        auto info = inspectWeightFile(fixture("good/sd.safetensors"));
        QVERIFY(info);
        QCOMPARE(info->metadata, (std::map<std::string, std::string>{{"format", "pt"}}));
        QVERIFY(info->pickleGlobals.empty());
    }

    void checkpointGlobalsAreSafe()
    {
        auto info = inspectWeightFile(fixture("good/sd_zip.pt"));
        QVERIFY(info);
        for (auto [module, name] :
             {std::pair{"collections", "OrderedDict"}, std::pair{"torch._utils", "_rebuild_tensor_v2"},
              std::pair{"torch", "FloatStorage"}, std::pair{"torch", "LongStorage"}}) {
            const PickleGlobal* g = findGlobal(info->pickleGlobals, module, name);
            QVERIFY2(g, name);
            QCOMPARE(g->verdict, PickleVerdict::Safe);
        }
    }

    // A dangerous pickle is reported, not refused, and its tensors are not interpreted.
    void hostilePicklesAreReported_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("module");
        QTest::addColumn<QString>("name");
        QTest::addColumn<PickleVerdict>("verdict");
        QTest::newRow("os.system") << fixture("hostile/os_system.pt") << "os"
                                   << "system" << PickleVerdict::Dangerous;
        QTest::newRow("builtins.eval") << fixture("hostile/builtins_eval.pt") << "builtins"
                                       << "eval" << PickleVerdict::Dangerous;
        QTest::newRow("STACK_GLOBAL subprocess.Popen")
            << fixture("hostile/subprocess_popen.pt") << "subprocess"
            << "Popen" << PickleVerdict::Dangerous;
        QTest::newRow("INST posix.system") << fixture("hostile/posix_inst.pt") << "posix"
                                           << "system" << PickleVerdict::Dangerous;
        QTest::newRow("legacy os.system") << fixture("hostile/legacy_os_system.pth") << "os"
                                          << "system" << PickleVerdict::Dangerous;
        QTest::newRow("collections.Counter") << fixture("hostile/reduce_counter.pt") << "collections"
                                             << "Counter" << PickleVerdict::Suspicious;
    }
    void hostilePicklesAreReported()
    {
        QFETCH(QString, path);
        QFETCH(QString, module);
        QFETCH(QString, name);
        QFETCH(PickleVerdict, verdict);
        auto info = inspectWeightFile(path);
        QVERIFY2(info, info ? "" : info.error().message.c_str());
        const PickleGlobal* g = findGlobal(info->pickleGlobals, module.toStdString(), name.toStdString());
        QVERIFY(g);
        QCOMPARE(g->verdict, verdict);
        QCOMPARE(info->verdict, verdict);
        QVERIFY(info->tensors.empty());
    }

    // Inspection lists dtypes the loader cannot use, and still rejects broken layouts.
    void inspectionValidatesButListsEveryFormatDtype()
    {
        auto float8 = inspectWeightFile(fixture("hostile/float8_dtype.safetensors"));
        QVERIFY(float8);
        QCOMPARE(float8->tensors.at(0).dtype, std::string("F8_E4M3"));
        auto overlap = inspectWeightFile(fixture("hostile/overlap.safetensors"));
        QVERIFY(!overlap);
        QVERIFY(overlap.error().message.find("overlap") != std::string::npos);
    }

    void scannerFindsGlobalsWithoutRunningThem()
    {
        const QByteArray pickle("\x80\x02"
                                "cbuiltins\ngetattr\n"
                                "cbuiltins\nset\n"
                                ")R.");
        auto globals = scanPickleGlobals(pickle);
        QVERIFY(globals);
        QCOMPARE(globals->size(), size_t(2));
        QCOMPARE(globals->at(0).name, std::string("getattr"));
        QCOMPARE(globals->at(0).verdict, PickleVerdict::Dangerous);
        QCOMPARE(globals->at(1).verdict, PickleVerdict::Suspicious);
        QCOMPARE(overallVerdict(*globals), PickleVerdict::Dangerous);
    }

    void scannerRejectsMalformedPickles_data()
    {
        QTest::addColumn<QByteArray>("pickle");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown opcode") << QByteArray("\x80\x02\xff.", 4) << "unknown opcode 0xff at byte 2";
        QTest::newRow("truncated argument") << QByteArray("\x80\x02X\xff\xff\x00\x00"
                                                          "ab",
                                                          9)
                                            << "truncated";
        QTest::newRow("no STOP") << QByteArray("\x80\x02N", 3) << "ends without STOP";
        QTest::newRow("GLOBAL without newline") << QByteArray("cos\nsystem", 10) << "truncated";
    }
    void scannerRejectsMalformedPickles()
    {
        QFETCH(QByteArray, pickle);
        QFETCH(QString, expected);
        auto globals = scanPickleGlobals(pickle);
        QVERIFY(!globals);
        QVERIFY2(QString::fromStdString(globals.error().message).contains(expected),
                 globals.error().message.c_str());
    }

    void classification()
    {
        QCOMPARE(classifyPickleGlobal("torch", "BFloat16Storage"), PickleVerdict::Safe);
        QCOMPARE(classifyPickleGlobal("torch._utils", "_rebuild_parameter"), PickleVerdict::Safe);
        QCOMPARE(classifyPickleGlobal("os.path", "join"), PickleVerdict::Dangerous);
        QCOMPARE(classifyPickleGlobal("nt", "system"), PickleVerdict::Dangerous);
        QCOMPARE(classifyPickleGlobal("__builtin__", "eval"), PickleVerdict::Dangerous);
        QCOMPARE(classifyPickleGlobal("builtins", "__import__"), PickleVerdict::Dangerous);
        QCOMPARE(classifyPickleGlobal("builtins", "dict"), PickleVerdict::Suspicious);
        QCOMPARE(classifyPickleGlobal("torch", "device"), PickleVerdict::Suspicious);
        QCOMPARE(classifyPickleGlobal("numpy.core.multiarray", "_reconstruct"), PickleVerdict::Suspicious);
    }
};

QTEST_GUILESS_MAIN(TestWeightsInspection)
#include "test_weights_inspection.moc"
