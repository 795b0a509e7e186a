// The demo content the tests and fake_hub_server serve (see FakeHub::addDemoContent).

#include "fake_hub.h"

namespace mwb::fakehub {

namespace {

// Deterministic pseudo-random bytes, so blob ids are the same on every run.
QByteArray noise(qsizetype size, quint32 seed)
{
    QByteArray out(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i) {
        seed = seed * 1664525u + 1013904223u;
        out[i] = char(seed >> 24);
    }
    return out;
}

FakeFile text(const QByteArray& content)
{
    return FakeFile{content, false};
}
FakeFile lfs(const QByteArray& content)
{
    return FakeFile{content, true};
}

const QByteArray kGitattributes = "*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
                                  "*.onnx filter=lfs diff=lfs merge=lfs -text\n";

FakeRepo resnetTiny()
{
    FakeRepo r;
    r.id = QStringLiteral("acme/resnet-tiny");
    r.commit("main", "initial commit", {}, "system", {{".gitattributes", text(kGitattributes)}});
    const QByteArray v1 =
        r.commit("main", "Upload model", "First version of the weights.", "alice",
                 {{"config.json", text("{\n  \"model_type\": \"resnet\",\n  \"layers\": [1, 1, 1, 1]\n}\n")},
                  {"README.md", text("# resnet-tiny\n\nA tiny ResNet for tests.\n")},
                  {"model.safetensors", lfs(noise(300 * 1024, 7))}});
    r.tag(QStringLiteral("v1.0"), v1);
    r.commit("main", "Add ONNX export and notes", {}, "alice",
             {{"onnx/model.onnx", lfs(noise(20 * 1024, 11))},
              {"docs/notes/usage.md", text("Use it with Model Workbench.\n")}});
    r.commit("main", "Update config", "Bump the number of classes.\n\nCo-authored-by: bob", "bob",
             {{"config.json", text("{\n  \"model_type\": \"resnet\",\n  \"layers\": [1, 1, 1, 1],\n"
                                   "  \"num_classes\": 10\n}\n")}});
    r.branches[QStringLiteral("dev")] = r.branches[QStringLiteral("main")];
    r.commit("dev", "Try wider stem", {}, "bob",
             {{"config.json", text("{\n  \"model_type\": \"resnet\",\n  \"stem_width\": 64\n}\n")}});
    for (int i = 0; i < 3; ++i)
        r.commit("main", QStringLiteral("Tune README %1").arg(i), {}, "alice",
                 {{"README.md", text("# resnet-tiny\n\nRevision " + QByteArray::number(i) + "\n")}});
    return r;
}

FakeRepo longHistory()
{
    FakeRepo r;
    r.id = QStringLiteral("acme/long-history");
    r.commit("main", "initial commit", {}, "system", {{".gitattributes", text(kGitattributes)}});
    for (int i = 1; i < 120; ++i)
        r.commit("main", QStringLiteral("Step %1").arg(i), {}, i % 2 ? "alice" : "bob",
                 {{"counter.txt", text(QByteArray::number(i) + "\n")}});
    return r;
}

FakeRepo privateModel()
{
    FakeRepo r;
    r.id = QStringLiteral("acme/private-model");
    r.isPrivate = true;
    r.members = {QStringLiteral("acme")};
    r.commit("main", "initial commit", {}, "system", {{".gitattributes", text(kGitattributes)}});
    r.commit("main", "Secret weights", {}, "alice",
             {{"config.json", text("{\"model_type\": \"resnet\"}\n")}});
    return r;
}

FakeRepo gatedModel()
{
    FakeRepo r;
    r.id = QStringLiteral("acme/gated-model");
    r.gated = true;
    r.gatedAccessUsers = {QStringLiteral("bob")};
    r.commit("main", "initial commit", {}, "system", {{".gitattributes", text(kGitattributes)}});
    r.commit("main", "Gated weights", {}, "alice", {{"config.json", text("{\"model_type\": \"resnet\"}\n")}});
    return r;
}

FakeRepo hostile()
{
    FakeRepo r;
    r.id = QStringLiteral("acme/hostile");
    r.commit("main", "initial commit", {}, "system", {{"ok.txt", text("fine\n")}});
    r.commit("main", "Escape", {}, "mallory",
             {{"../x", text("outside\n")}, {"/abs", text("absolute\n")}, {"a\\b", text("backslash\n")}});
    return r;
}

} // namespace

void FakeHub::addDemoContent()
{
    addUser({QStringLiteral("hf_alice_token"),
             QStringLiteral("alice"),
             {QStringLiteral("acme")},
             QStringLiteral("write"),
             QStringLiteral("laptop")});
    addUser({QStringLiteral("hf_bob_token"),
             QStringLiteral("bob"),
             {},
             QStringLiteral("read"),
             QStringLiteral("ci")});
    addRepo(resnetTiny());
    addRepo(longHistory());
    addRepo(privateModel());
    addRepo(gatedModel());
    addRepo(hostile());
}

} // namespace mwb::fakehub
