#pragma once

// Internal to core/share: the pieces of a push (hub_push.cpp runs them in order). All run on the pushing
// thread; errors are values that say which step and file failed.

#include "error.h"
#include "hub/hub_http.h"
#include "share/hub_push.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace mwb::share::detail {

// One file of the folder being pushed, with what preupload and hashing learned about it.
struct LocalFile
{
    QString path; // repo-relative
    QString absolutePath;
    qint64 size = 0;
    bool lfs = false;
    QByteArray remoteOid; // preupload's oid of the file at that path on the Hub, when there is one
    QByteArray sha256;    // hex, LFS files only
    QByteArray content;   // regular files only
    bool unchanged = false;
    bool uploaded = false;
};

// Reports byte progress of one phase over all its files.
struct PhaseProgress
{
    const PushProgressCallback* callback = nullptr;
    PushProgress::Phase phase = PushProgress::Phase::Checking;
    qint64 total = 0;
    qint64 doneBefore = 0; // bytes of files finished earlier in this phase

    void report(const QString& file, qint64 fileDone, qint64 fileTotal) const;
};

// sha256 (hex) of a file, read in chunks; Cancelled when the flag is set.
Result<QByteArray> sha256OfFile(const QString& path,
                                const std::atomic_bool& cancel,
                                const std::function<void(qint64 done)>& progress);
// git's blob id: sha1("blob <size>\0" + content), hex.
QByteArray gitBlobSha1(const QByteArray& content);

// "<step>: <message>", keeping the kind.
Error stepError(const QString& step, Error error);

struct LfsContext
{
    hub::detail::HubHttp* api = nullptr;     // Hub requests: carries the token, to the endpoint only
    hub::detail::HubHttp* storage = nullptr; // presigned URLs: never carries the token
    hub::detail::ErrorContext errorContext;
    QString repoId;
    QString branch;
};

// The LFS batch for `files` (those not already on the Hub), then PUT / complete / verify for each object
// the server asks for. Marks uploaded files; objects the server already stores are left alone.
Result<void>
uploadLfsFiles(const LfsContext& context, QList<LocalFile*> files, const PhaseProgress& progress);

} // namespace mwb::share::detail
