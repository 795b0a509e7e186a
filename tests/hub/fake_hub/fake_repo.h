#pragma once

// The content model of the local test Hub: repos with real git object ids. Commit ids, tree ids and
// blob ids are computed exactly as git computes them, so the client sees the same shapes (40-hex
// commits with parent links, git blob sha1 for regular files, sha1 of the LFS pointer as the tree
// `oid` of LFS files, sha256 as their `lfs.oid`) as on huggingface.co.
// Plain value types; used from the server's thread only.

#include <optional>

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace mwb::fakehub {

struct FakeFile
{
    QByteArray content;
    bool lfs = false;

    QByteArray gitBlobId() const;   // sha1 of the git blob (the pointer file for LFS files), hex
    QByteArray sha256() const;      // hex sha256 of the content
    QByteArray pointerFile() const; // the git-lfs pointer that git stores for an LFS file
};

struct FakeCommit
{
    QByteArray id; // 40-hex
    QByteArray parent;
    QString title;
    QString message;
    QString author;
    QDateTime date;
    QMap<QString, FakeFile> files;      // repo-relative path -> content
    QMap<QString, QByteArray> dirTrees; // folder path -> git tree id ("" is the root)
};

struct FakeRepo
{
    QString id; // "org/name"
    bool isPrivate = false;
    bool gated = false;
    QStringList members;          // user or org names that may see a private repo
    QStringList gatedAccessUsers; // users granted access to a gated repo
    QList<FakeCommit> commits;    // oldest first
    QMap<QString, QByteArray> branches;
    QMap<QString, QByteArray> tags;

    // Adds a commit on `branch` (created from its parent branch head, or empty); nullopt deletes a path.
    QByteArray commit(const QString& branch,
                      const QString& title,
                      const QString& message,
                      const QString& author,
                      const QMap<QString, std::optional<FakeFile>>& changes);
    void tag(const QString& name, const QByteArray& commitId) { tags[name] = commitId; }

    // A branch, tag, full commit id or unambiguous 7+ hex prefix.
    const FakeCommit* resolve(const QString& revision) const;
    const FakeCommit* byId(const QByteArray& commitId) const;
    QList<const FakeCommit*> history(const FakeCommit& head) const; // newest first
};

QByteArray gitBlobSha1(const QByteArray& content);

} // namespace mwb::fakehub
