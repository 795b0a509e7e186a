// Finding a repo's code: every auto_map form, relative imports followed recursively, other repos'
// code listed as upstream references, missing files reported.

#include "review/auto_map.h"
#include "review/code_collector.h"
#include "review_fixtures.h"

#include <QTemporaryDir>
#include <QTest>

using namespace mwb::review;
using namespace mwb::review::fixtures;

namespace {

QStringList paths(const CodeSet& set)
{
    QStringList out;
    for (const CodeFile& f : set.files)
        out << f.path;
    return out;
}

} // namespace

class TestCodeCollector : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void autoMapForms()
    {
        const auto config = nlohmann::json::parse(R"({
            "auto_map": {
                "AutoConfig": "configuration_x.XConfig",
                "AutoTokenizer": ["tokenization_x.XTokenizer", null],
                "AutoProcessor": [null, "processing_x.XProcessorFast"],
                "AutoModel": "other-org/shared-code--modeling_shared.SharedModel",
                "AutoModelForCausalLM": "noclassname",
                "AutoImageProcessor": 42
            }
        })");
        const AutoMap map = parseAutoMap(config);
        QCOMPARE(map.references.size(), size_t(4));
        auto find = [&](const std::string& autoClass) {
            return *std::find_if(map.references.begin(), map.references.end(),
                                 [&](const CodeReference& r) { return r.autoClass == autoClass; });
        };
        QCOMPARE(find("AutoConfig").module, std::string("configuration_x"));
        QCOMPARE(find("AutoConfig").className, std::string("XConfig"));
        QCOMPARE(find("AutoTokenizer").slot, std::string("slow"));
        QCOMPARE(find("AutoProcessor").slot, std::string("fast"));
        QCOMPARE(find("AutoProcessor").modulePath(), std::string("processing_x.py"));
        QCOMPARE(find("AutoModel").upstreamRepo, std::string("other-org/shared-code"));
        QCOMPARE(find("AutoModel").module, std::string("modeling_shared"));
        QCOMPARE(find("AutoModel").className, std::string("SharedModel"));
        QCOMPARE(map.problems.size(), size_t(2)); // "noclassname" and 42, each named
        QVERIFY(hasCustomCode(config));
        QVERIFY(!hasCustomCode(nlohmann::json::parse(R"({"model_type": "resnet"})")));
    }

    void tutorialRepo()
    {
        QTemporaryDir dir;
        QVERIFY(writeTutorialRepo(dir.path()));
        auto set = collectCode(dir.path());
        QVERIFY(set);
        QCOMPARE(paths(*set), (QStringList{"configuration_resnet.py", "modeling_resnet.py"}));
        const CodeFile* modeling = set->file("modeling_resnet.py");
        QCOMPARE(modeling->scan.thirdPartyPackages(),
                 (std::vector<std::string>{"timm", "torch", "transformers"}));
        QVERIFY(modeling->scan.findings.empty());
        QCOMPARE(modeling->sha256, sha256Hex(kModelingResnet));
        // configuration_resnet.py is named by auto_map and imported by modeling_resnet.py.
        QCOMPARE(set->file("configuration_resnet.py")->referencedBy,
                 (QStringList{"config.json auto_map.AutoConfig", "modeling_resnet.py line 3"}));
        QVERIFY(set->missing.empty());
    }

    void relativeImportChain()
    {
        QTemporaryDir dir;
        const QString d = dir.path();
        QVERIFY(writeFile(d + "/config.json", R"({"auto_map": {"AutoModel": "modeling_a.A"}})"));
        QVERIFY(writeFile(d + "/modeling_a.py", "from .helpers import b\nfrom . import layers\n"));
        QVERIFY(writeFile(d + "/helpers/__init__.py", "from .b import thing\n"));
        QVERIFY(writeFile(d + "/helpers/b.py", "from ..utils.deep import f\nfrom .. import shared\n"));
        QVERIFY(writeFile(d + "/layers.py", "import torch\n"));
        QVERIFY(writeFile(d + "/utils/__init__.py", ""));
        QVERIFY(writeFile(d + "/utils/deep.py", "import os\nos.system('x')\n"));
        QVERIFY(writeFile(d + "/shared.py", "X = 1\n"));
        QVERIFY(writeFile(d + "/unrelated.py", "import socket\n"));
        auto set = collectCode(d);
        QVERIFY(set);
        QCOMPARE(paths(*set),
                 (QStringList{"helpers/__init__.py", "helpers/b.py", "layers.py", "modeling_a.py",
                              "shared.py", "utils/__init__.py", "utils/deep.py"}));
        QCOMPARE(set->file("utils/deep.py")->scan.findings.at(0).line, 2);
        QVERIFY(set->missing.empty());
    }

    void missingFilesReported()
    {
        QTemporaryDir dir;
        const QString d = dir.path();
        QVERIFY(writeFile(
            d + "/config.json",
            R"({"auto_map": {"AutoConfig": "configuration_x.XConfig", "AutoModel": "modeling_x.X"}})"));
        QVERIFY(writeFile(d + "/modeling_x.py", "\nfrom .gone import y\nfrom ... import too_far\n"));
        auto set = collectCode(d);
        QVERIFY(set);
        QCOMPARE(paths(*set), QStringList{"modeling_x.py"});
        QCOMPARE(set->missing.size(), size_t(3));
        QCOMPARE(set->missing[0].path, QString("configuration_x.py"));
        QCOMPARE(set->missing[0].referencedBy, QString("config.json auto_map.AutoConfig"));
        QCOMPARE(set->missing[1].reason, QString("relative import goes above the repo root"));
        QCOMPARE(set->missing[1].referencedBy, QString("modeling_x.py line 3"));
        QCOMPARE(set->missing[2].path, QString("gone.py"));
        QCOMPARE(set->missing[2].referencedBy, QString("modeling_x.py line 2"));
    }

    void crossRepoReferenceListed()
    {
        QTemporaryDir dir;
        QVERIFY(writeFile(dir.path() + "/config.json",
                          R"({"auto_map": {"AutoModel": "acme/shared--modeling_shared.SharedModel"}})"));
        auto set = collectCode(dir.path());
        QVERIFY(set);
        QVERIFY(set->files.empty());
        QVERIFY(set->missing.empty()); // not this repo's file: reviewed from acme/shared's own snapshot
        QCOMPARE(set->upstream.size(), size_t(1));
        QCOMPARE(set->upstream[0].upstreamRepo, std::string("acme/shared"));

        QTemporaryDir upstream;
        QVERIFY(writeFile(upstream.path() + "/modeling_shared.py", "from .common import x\n"));
        QVERIFY(writeFile(upstream.path() + "/common.py", "import requests\n"));
        const CodeSet up = collectModules(upstream.path(), {{"modeling_shared", "x/y auto_map.AutoModel"}});
        QCOMPARE(paths(up), (QStringList{"common.py", "modeling_shared.py"}));
    }

    void unreadableConfig()
    {
        QTemporaryDir dir;
        QCOMPARE(collectCode(dir.path()).error().kind, mwb::ErrorKind::Io);
        QVERIFY(writeFile(dir.path() + "/config.json", "{not json"));
        QCOMPARE(collectCode(dir.path()).error().kind, mwb::ErrorKind::InvalidInput);
    }
};

QTEST_GUILESS_MAIN(TestCodeCollector)
#include "test_code_collector.moc"
