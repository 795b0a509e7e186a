#pragma once

// Runs the built `mwb` (MWB_CLI_PATH) as a user would and captures its exit code and output.

#include <QFile>
#include <QProcess>
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

inline QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace mwbtest
