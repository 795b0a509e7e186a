// fake_hub_server: the local Hub-compatible server as a program, for the CLI tests and for trying the
// client by hand. Serves the demo content on 127.0.0.1 and prints the chosen ports:
//   fake_hub_server [--port N] [--cdn-port N] [--page-size N] [--relative-links] [--hang PATH_PART]
// --hang makes every request whose path contains PATH_PART go unanswered (a Hub that never answers).
// First stdout line: "endpoint http://127.0.0.1:<port> cdn <cdnport>".

#include "fake_hub.h"

#include <cstdio>

#include <QCoreApplication>
#include <QStringList>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    auto option = [&](const QString& name, int fallback) {
        const qsizetype i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args[i + 1].toInt() : fallback;
    };
    mwb::fakehub::FakeHub hub;
    hub.addDemoContent();
    hub.setCommitPageSize(option(QStringLiteral("--page-size"), 50));
    hub.setTreePageSize(option(QStringLiteral("--page-size"), 1000));
    hub.setAbsoluteLinks(!args.contains(QStringLiteral("--relative-links")));
    if (const qsizetype i = args.indexOf(QStringLiteral("--hang")); i >= 0 && i + 1 < args.size())
        hub.addFault({.kind = mwb::fakehub::Fault::Kind::Hang,
                      .pathContains = args[i + 1].toUtf8(),
                      .remaining = 1 << 30});
    if (!hub.listen(quint16(option(QStringLiteral("--port"), 0)),
                    quint16(option(QStringLiteral("--cdn-port"), 0)))) {
        std::fprintf(stderr, "error: cannot listen on 127.0.0.1\n");
        return 1;
    }
    std::printf("endpoint %s cdn %u\n", qPrintable(hub.endpoint()), unsigned(hub.cdnPort()));
    std::fflush(stdout);
    return app.exec();
}
