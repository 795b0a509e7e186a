// MODEL as REPO[@REVISION] (issue 11) against the local Hub-compatible server: a revision resolves to
// one commit whose files come into the shared cache; repos without code need no trust, custom-code repos
// are refused until their commit is trusted; only the files a model needs are downloaded.

#include "fake_hub.h"
#include "model/model_internal.h"
#include "model_test_support.h"
#include "open/open_model.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <c10/core/InferenceMode.h>

using namespace mwb;
using mwb::fakehub::FakeFile;

namespace {

QString formatFixture(const QString& name)
{
    return QStringLiteral(MWB_FORMAT_FIXTURES_DIR "/") + name;
}

FakeFile fileFrom(const QString& path, bool lfs)
{
    QFile f(path);
    return FakeFile{f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray(), lfs};
}

double logitsError(const OpenedModel& opened, const QString& ioName)
{
    const QString io = formatFixture(ioName + ".io.safetensors");
    c10::InferenceMode inference;
    auto out = runForward(*opened.model, test::readTensor(io, "pixel_values"));
    const at::Tensor expected = test::readTensor(io, "logits");
    if (!out || !expected.defined() || out->logits.sizes() != expected.sizes())
        return 1e9;
    return test::relativeError(out->logits, expected);
}

} // namespace

class TestOpenHub : public QObject
{
    Q_OBJECT

    fakehub::FakeHub m_hub;
    QTemporaryDir m_home;
    QByteArray m_timmCommit, m_hfCommit;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        fakehub::FakeRepo repo;
        repo.id = QStringLiteral("acme/resnet18-formats");
        repo.commit(
            "main", "initial commit", {}, "system",
            {{".gitattributes", FakeFile{"*.safetensors filter=lfs diff=lfs merge=lfs -text\n", false}}});
        // First a timm repo (plus a .bin the loader must not even download), then transformers' form.
        m_timmCommit = repo.commit(
            "main", "timm weights", {}, "alice",
            {{"config.json", fileFrom(formatFixture("timm_resnet18/config.json"), false)},
             {"model.safetensors", fileFrom(formatFixture("timm_resnet18/model.safetensors"), true)},
             {"pytorch_model.bin", FakeFile{"not needed", true}}});
        repo.tag(QStringLiteral("v1"), m_timmCommit);
        m_hfCommit = repo.commit(
            "main", "transformers weights", {}, "alice",
            {{"config.json", fileFrom(formatFixture("hf_resnet18/config.json"), false)},
             {"preprocessor_config.json",
              fileFrom(formatFixture("hf_resnet18/preprocessor_config.json"), false)},
             {"model.safetensors", fileFrom(formatFixture("hf_resnet18/model.safetensors"), true)},
             {"pytorch_model.bin", std::nullopt}});
        m_hub.addRepo(repo);

        fakehub::FakeRepo custom;
        custom.id = QStringLiteral("acme/custom-code");
        custom.commit(
            "main", "custom code", {}, "bob",
            {{"config.json",
              FakeFile{R"({"model_type": "resnet", "block_type": "basic", "layers": [2, 2, 2, 2],
 "auto_map": {"AutoConfig": "configuration_resnet.ResnetConfig",
              "AutoModelForImageClassification": "modeling_resnet.ResnetModelForImageClassification"}})",
                       false}},
             {"configuration_resnet.py", FakeFile{"import os\nos.system('echo hi')\n", false}},
             {"modeling_resnet.py", FakeFile{"class ResnetModelForImageClassification: pass\n", false}}});
        m_hub.addRepo(custom);
        QVERIFY(m_hub.listen());

        for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_CACHE",
                                 "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE"})
            qunsetenv(name);
        qputenv("HF_ENDPOINT", m_hub.endpoint().toUtf8());
        qputenv("HF_HOME", (m_home.path() + "/hf").toUtf8());
        qputenv("XDG_DATA_HOME", (m_home.path() + "/data").toUtf8());
        qputenv("XDG_CONFIG_HOME", (m_home.path() + "/config").toUtf8());
        qputenv("XDG_CACHE_HOME", (m_home.path() + "/cache").toUtf8());
    }

    void pinnedCommitOpensThatCommit()
    {
        std::vector<std::string> stages;
        OpenModelOptions options;
        options.progress = [&stages](const OpenProgress& p) { stages.push_back(p.stage); };
        auto opened = openModel("acme/resnet18-formats@" + m_timmCommit.toStdString(), options);
        QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
        QCOMPARE(opened->commit, QString::fromLatin1(m_timmCommit));
        QCOMPARE(opened->repoId, QStringLiteral("acme/resnet18-formats"));
        QCOMPARE(opened->format, SourceFormat::Timm);
        QVERIFY(opened->report && opened->report->exact());
        QCOMPARE(opened->labels.front(), std::string("tench, Tinca tinca"));
        QVERIFY(logitsError(*opened, QStringLiteral("timm_resnet18")) <= 1e-4);
        // The files landed in the shared cache's snapshot of that commit; the unused .bin did not.
        QVERIFY(opened->location.endsWith("/snapshots/" + QString::fromLatin1(m_timmCommit)));
        QVERIFY(QFileInfo(opened->location + "/model.safetensors").exists());
        QVERIFY(!QFileInfo(opened->location + "/pytorch_model.bin").exists());
        QVERIFY(
            std::ranges::any_of(stages, [](const std::string& s) { return s.starts_with("downloading"); }));
    }

    void branchAndTagResolveToOneCommit()
    {
        auto head = openModel("acme/resnet18-formats");
        QVERIFY2(head, head ? "" : head.error().message.c_str());
        QCOMPARE(head->commit, QString::fromLatin1(m_hfCommit));
        QCOMPARE(head->revision, QStringLiteral("main"));
        QCOMPARE(head->format, SourceFormat::Transformers);
        QVERIFY(logitsError(*head, QStringLiteral("hf_resnet18")) <= 1e-4);
        auto tagged = openModel("acme/resnet18-formats@v1");
        QVERIFY(tagged);
        QCOMPARE(tagged->commit, QString::fromLatin1(m_timmCommit));
        QCOMPARE(tagged->format, SourceFormat::Timm);
    }

    void customCodeNeedsTrust()
    {
        auto opened = openModel("acme/custom-code@main");
        QVERIFY(!opened);
        QCOMPARE(opened.error().kind, ErrorKind::Unsafe);
        QVERIFY2(opened.error().message.find("custom code") != std::string::npos,
                 opened.error().message.c_str());
    }

    void unknownRepoAndRevisionAreNamed()
    {
        auto missing = openModel("acme/no-such-model@main");
        QVERIFY(!missing);
        QVERIFY(missing.error().message.find("acme/no-such-model") != std::string::npos);
        auto badRevision = openModel("acme/resnet18-formats@no-such-branch");
        QVERIFY(!badRevision);
        QVERIFY(badRevision.error().message.find("no-such-branch") != std::string::npos);
    }

    void cancelStopsTheOpen()
    {
        OpenModelOptions options;
        options.cancel = std::make_shared<std::atomic_bool>(true);
        auto opened = openModel("acme/resnet18-formats@" + m_hfCommit.toStdString(), options);
        QVERIFY(!opened);
        QCOMPARE(opened.error().kind, ErrorKind::Cancelled);
    }
};

QTEST_GUILESS_MAIN(TestOpenHub)
#include "test_open_hub.moc"
