// readWeights on files written by Python (torch.save in every flavour, safetensors, shards) and the
// safetensors writer's round trip. Expected values come from expected.json, written by the same
// Python script that wrote the files.

#include "weights/weight_reader.h"

#include <map>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

using namespace mwb;
using json = nlohmann::json;

namespace {

QString fixture(const char* rel)
{
    return QStringLiteral(MWB_WEIGHT_FIXTURES "/good/") + QString::fromUtf8(rel);
}

std::string dtypeName(at::ScalarType type)
{
    static const std::map<at::ScalarType, std::string> names = {
        {at::kFloat, "F32"}, {at::kDouble, "F64"}, {at::kHalf, "F16"},  {at::kBFloat16, "BF16"},
        {at::kLong, "I64"},  {at::kInt, "I32"},    {at::kShort, "I16"}, {at::kChar, "I8"},
        {at::kByte, "U8"},   {at::kBool, "BOOL"}};
    return names.at(type);
}

std::map<std::string, at::Tensor> byName(const TensorList& list)
{
    std::map<std::string, at::Tensor> map;
    for (const NamedTensor& t : list)
        map[t.name] = t.tensor;
    return map;
}

json expected()
{
    QFile file(fixture("expected.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = file.readAll();
    return json::parse(bytes.begin(), bytes.end());
}

// Every tensor of expected.json, with Python's dtype, shape and values (compared exactly).
void compareWithExpected(const TensorList& list)
{
    const json want = expected();
    QVERIFY(!want.empty());
    const auto got = byName(list);
    QCOMPARE(got.size(), want.size());
    for (const auto& [name, spec] : want.items()) {
        const auto it = got.find(name);
        QVERIFY2(it != got.end(), name.c_str());
        const at::Tensor& t = it->second;
        QCOMPARE(dtypeName(t.scalar_type()), spec["dtype"].get<std::string>());
        QCOMPARE(t.sizes().vec(), spec["shape"].get<std::vector<int64_t>>());
        const at::Tensor values = t.to(at::kDouble).contiguous();
        const auto wantValues = spec["values"].get<std::vector<double>>();
        QCOMPARE(std::vector<double>(values.data_ptr<double>(), values.data_ptr<double>() + values.numel()),
                 wantValues);
    }
}

} // namespace

class TestWeightsReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsPythonFiles_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("torch.save zip, OrderedDict with _metadata") << fixture("sd_zip.pt");
        QTest::newRow("torch.save zip, plain dict") << fixture("sd_dict.bin");
        QTest::newRow("torch.save legacy format") << fixture("sd_legacy.pth");
        QTest::newRow("checkpoint wrapping state_dict") << fixture("sd_wrapped.ckpt");
        QTest::newRow("checkpoint wrapping model") << fixture("sd_model_wrapped.pth");
        QTest::newRow("safetensors") << fixture("sd.safetensors");
        QTest::newRow("folder with model.safetensors") << fixture("folder_st");
        QTest::newRow("folder with pytorch_model.bin") << fixture("folder_bin");
        QTest::newRow("safetensors index") << fixture("sharded_st/model.safetensors.index.json");
        QTest::newRow("folder with safetensors index") << fixture("sharded_st");
        QTest::newRow("pytorch_model.bin index") << fixture("sharded_bin/pytorch_model.bin.index.json");
    }
    void readsPythonFiles()
    {
        QFETCH(QString, path);
        auto tensors = readWeights(path);
        QVERIFY2(tensors, tensors ? "" : tensors.error().message.c_str());
        compareWithExpected(*tensors);
    }

    // No second copy: every tensor points into one mapping, at its offset in the file.
    void safetensorsTensorsLiveOnTheMapping()
    {
        auto tensors = readWeights(fixture("sd.safetensors"));
        QVERIFY(tensors);
        const auto* first = static_cast<const char*>((*tensors)[0].tensor.data_ptr());
        ptrdiff_t expectedOffset = 0;
        for (const NamedTensor& t : *tensors) {
            if (t.tensor.numel() == 0)
                continue; // LibTorch reports no data pointer for empty tensors
            QCOMPARE(static_cast<const char*>(t.tensor.data_ptr()) - first, expectedOffset);
            expectedOffset += ptrdiff_t(t.tensor.nbytes());
        }
    }

    // Views of one storage stay views of one storage, as in Python.
    void pickledViewsShareTheirStorage()
    {
        auto tensors = readWeights(fixture("sd_zip.pt"));
        QVERIFY(tensors);
        const auto map = byName(*tensors);
        const at::Tensor& transposed = map.at("view.transposed");
        QVERIFY(!transposed.is_contiguous());
        QCOMPARE(transposed.storage().data(), map.at("view.row").storage().data());
    }

    // Old unpadded headers leave data misaligned for its dtype; it is copied, with the same values.
    void unpaddedSafetensorsLoad()
    {
        auto tensors = readWeights(fixture("unpadded.safetensors"));
        QVERIFY2(tensors, tensors ? "" : tensors.error().message.c_str());
        auto reference = readWeights(fixture("sd.safetensors"));
        QVERIFY(reference);
        const auto got = byName(*tensors), want = byName(*reference);
        QVERIFY(got.at("b.f32").equal(want.at("0.weight")));
        QVERIFY(got.at("a.u8").equal(want.at("extra.u8")));
        QCOMPARE(reinterpret_cast<uintptr_t>(got.at("b.f32").data_ptr()) % 4, uintptr_t(0));
    }

    void roundTripKeepsTensorsAndLayout()
    {
        auto original = readWeights(fixture("sd_zip.pt"));
        QVERIFY(original);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("out/model.safetensors"));
        auto written = writeSafetensors(path, *original);
        QVERIFY2(written, written ? "" : written.error().message.c_str());

        auto reread = readWeights(path);
        QVERIFY(reread);
        compareWithExpected(*reread);

        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        uint64_t headerLength = 0;
        memcpy(&headerLength, bytes.constData(), 8);
        QCOMPARE(headerLength % 8, uint64_t(0));
        const json header = json::parse(bytes.mid(8, qsizetype(headerLength)).toStdString());
        QVERIFY(header["__metadata__"] == json({{"format", "pt"}}));

        // Reference order: I64 first, F64 before F32, names ascending within a dtype, BOOL last.
        std::vector<std::pair<uint64_t, std::string>> byOffset;
        for (const auto& [name, entry] : header.items())
            if (name != "__metadata__")
                byOffset.emplace_back(entry["data_offsets"][0].get<uint64_t>(), name);
        std::sort(byOffset.begin(), byOffset.end());
        QVERIFY(header[byOffset.front().second]["dtype"] == json("I64"));
        QVERIFY(header[byOffset[1].second]["dtype"] == json("F64"));
        QVERIFY(header[byOffset.back().second]["dtype"] == json("BOOL"));
        std::vector<std::string> floatNames;
        for (const auto& [offset, name] : byOffset)
            if (header[name]["dtype"] == "F32")
                floatNames.push_back(name);
        QVERIFY(std::is_sorted(floatNames.begin(), floatNames.end()));
        QCOMPARE(floatNames.front(), std::string("0.bias"));
    }

    void writerRefusesWhatSafetensorsCannotHold()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("bad.safetensors"));
        auto duplicate = writeSafetensors(path, {{"a", at::zeros({2})}, {"a", at::ones({2})}});
        QVERIFY(!duplicate);
        QVERIFY(duplicate.error().message.find("\"a\" is given twice") != std::string::npos);
        auto complex128 = writeSafetensors(path, {{"c", at::zeros({2}, at::kComplexDouble)}});
        QVERIFY(!complex128);
        QVERIFY(complex128.error().message.find("tensor \"c\"") != std::string::npos);
        QVERIFY(!QFile::exists(path)); // nothing half-written
    }

    void emptyListWritesTheReferenceEmptyFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("empty.safetensors"));
        QVERIFY(writeSafetensors(path, {}, {}));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray("\x08\0\0\0\0\0\0\0{}      ", 16));
    }
};

QTEST_GUILESS_MAIN(TestWeightsReader)
#include "test_weights_reader.moc"
