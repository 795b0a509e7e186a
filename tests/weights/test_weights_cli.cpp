// `mwb weights inspect`: output, --json document, and exit codes 0 / 2 / 3.

#include <QProcess>
#include <QTest>

#include <nlohmann/json.hpp>

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out, err;
};

Run mwb(const QStringList& args)
{
    QProcess process;
    process.start(QStringLiteral(MWB_CLI_PATH), args);
    process.waitForFinished(60000);
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            process.readAllStandardOutput(), process.readAllStandardError()};
}

QString fixture(const char* rel)
{
    return QStringLiteral(MWB_WEIGHT_FIXTURES "/") + QString::fromUtf8(rel);
}

} // namespace

class TestWeightsCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void inspectsSafetensors()
    {
        const Run run = mwb({"weights", "inspect", fixture("good/sd.safetensors")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains("format: safetensors"));
        QVERIFY(run.out.contains("metadata: format = pt"));
        QVERIFY(run.out.contains("  0.weight  F32  [4, 3, 3, 3]"));
        QVERIFY(run.out.contains("  1.num_batches_tracked  I64  []"));
        QVERIFY(run.err.isEmpty());
    }

    void jsonIsOneDocument()
    {
        const Run run = mwb({"weights", "inspect", fixture("good/sd_zip.pt"), "--json"});
        QCOMPARE(run.exitCode, 0);
        const auto doc = nlohmann::json::parse(run.out.toStdString());
        QVERIFY(doc["format"] == nlohmann::json("torch-zip"));
        QVERIFY(doc["verdict"] == nlohmann::json("safe"));
        QCOMPARE(doc["tensor_count"].get<int>(), int(doc["tensors"].size()));
        bool found = false;
        for (const auto& t : doc["tensors"])
            found |= t["name"] == "1.num_batches_tracked" && t["dtype"] == "I64" && t["shape"].empty();
        QVERIFY(found);
    }

    void dangerousPickleIsReportedAndRefused()
    {
        const Run run = mwb({"weights", "inspect", fixture("hostile/os_system.pt"), "--json"});
        QCOMPARE(run.exitCode, 3);
        const auto doc = nlohmann::json::parse(run.out.toStdString());
        QVERIFY(doc["verdict"] == nlohmann::json("dangerous"));
        QVERIFY(doc["pickle_globals"][0]["module"] == nlohmann::json("os"));
        QVERIFY(doc["pickle_globals"][0]["name"] == nlohmann::json("system"));
        QVERIFY(run.err.startsWith("error: "));
        QVERIFY(run.err.contains("os.system"));
        QVERIFY(run.err.contains("refused for safety"));
    }

    void suspiciousPickleIsReportedButNotRefused()
    {
        const Run run = mwb({"weights", "inspect", fixture("hostile/reduce_counter.pt")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains("collections.Counter  suspicious"));
        QVERIFY(run.out.contains("verdict: suspicious"));
    }

    void malformedFilesExitTwo_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("overlap") << fixture("hostile/overlap.safetensors")
                                 << QByteArray("overlap the previous tensor");
        QTest::newRow("zip member") << fixture("hostile/zip_unexpected_member.pt")
                                    << QByteArray("unexpected member");
        QTest::newRow("not weights") << fixture("hostile/not_weights.bin") << QByteArray("not a weight file");
    }
    void malformedFilesExitTwo()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, expected);
        const Run run = mwb({"weights", "inspect", file});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.startsWith("error: " + file.toUtf8()));
        QVERIFY2(run.err.contains(expected), run.err.constData());
    }

    void usageErrorExitsTwo() { QCOMPARE(mwb({"weights", "inspect"}).exitCode, 2); }
};

QTEST_GUILESS_MAIN(TestWeightsCli)
#include "test_weights_cli.moc"
