#pragma once

// Runs the built `mwb` (MWB_CLI_PATH) as a user would and captures its exit code and output.

#include <QByteArray>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace mwbtest {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

// Generous timeout: `mwb` loads LibTorch, which is slow on a busy machine.
inline Run mwbRun(const QStringList& args)
{
    QProcess process;
    process.start(QStringLiteral(MWB_CLI_PATH), args);
    if (!process.waitForFinished(300000))
        return {};
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

// The same with a chosen environment (the caller's own when `env` is empty) and bytes written to its
// stdin, which is then closed, as a pipe into `mwb login --token-stdin` would be.
inline Run mwbRun(const QStringList& args, const QProcessEnvironment& env, const QByteArray& input = {})
{
    QProcess process;
    if (!env.isEmpty())
        process.setProcessEnvironment(env);
    process.start(QStringLiteral(MWB_CLI_PATH), args);
    if (!process.waitForStarted(10000))
        return {};
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(300000))
        return {};
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

inline QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace mwbtest
