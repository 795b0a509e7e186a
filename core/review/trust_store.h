#pragma once

// The record of which repo commits the user has reviewed and trusted. Trust is per full 40-hex commit
// id, never per branch or tag: trust in one commit does not carry to another. Each entry keeps the
// sha256 of every code file as reviewed; when a file at that commit no longer matches (a tampered
// cache, a re-pushed blob), the entry is void. The trusted files' contents are kept next to the store,
// named by sha256, so the diff against the last trusted commit works offline.
//
// Layout: <dir>/trust.json (entries) and <dir>/blobs/<sha256> (file contents); <dir> is
// QStandardPaths::AppDataLocation + "/trust" by default (tests isolate it with XDG_DATA_HOME). The
// folder is private to the user (0700) and trust.json 0600; every write is atomic (temp + rename).
//
// A TrustStore holds a snapshot of the file read by open(); every change re-reads the file, applies
// the change and writes it back, so the CLI and the GUI may share the folder. Not synchronised: use
// one object from one thread at a time. Errors: Io (unreadable, unwritable), InvalidInput (a corrupt
// trust.json, a revision that is not a full commit id).

#include "error.h"

#include <map>
#include <optional>
#include <vector>

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace mwb::review {

struct TrustedFile
{
    QString path;
    QString sha256;
};

struct TrustEntry
{
    QString repoId;
    QString commit; // full 40-hex commit id
    std::vector<TrustedFile> files;
    QDateTime date; // UTC, when the user trusted it
    QString note;
};

enum class TrustState
{
    Untrusted, // no entry for this repo and commit
    Trusted,   // an entry exists and every code file still has the sha256 recorded
    Void,      // an entry exists but files changed: it no longer counts
};

const char* trustStateName(TrustState state); // "untrusted", "trusted", "void"

struct TrustCheck
{
    TrustState state = TrustState::Untrusted;
    QStringList changedFiles; // for Void: files whose sha256 differs, appeared or disappeared
};

// `^[0-9a-f]{40}$`.
bool isFullCommitId(const QString& revision);

class TrustStore
{
public:
    static QString defaultDirectory(); // <AppDataLocation>/trust
    static Result<TrustStore> open(const QString& directory = defaultDirectory());

    const QString& directory() const { return m_dir; }
    QString indexPath() const; // <dir>/trust.json
    const std::vector<TrustEntry>& entries() const { return m_entries; }

    std::optional<TrustEntry> find(const QString& repoId, const QString& commit) const;
    // The most recently trusted entry of the repo other than `exceptCommit`.
    std::optional<TrustEntry> lastTrusted(const QString& repoId, const QString& exceptCommit = {}) const;
    // Compares the current code files (path -> sha256) with the entry for this exact commit.
    TrustCheck
    check(const QString& repoId, const QString& commit, const std::map<QString, QString>& files) const;
    // The stored content of a trusted file, by sha256 (nullopt when not kept or altered on disk).
    std::optional<QByteArray> storedContent(const QString& sha256) const;

    // Records trust for `commit` with these files (path -> content), replacing an entry for the same
    // repo and commit. Refuses (InvalidInput) a commit that is not a full 40-hex id.
    Result<void> trust(const QString& repoId,
                       const QString& commit,
                       const std::map<QString, QByteArray>& files,
                       const QString& note = {});
    // Removes the entry; InvalidInput when there is none.
    Result<void> revoke(const QString& repoId, const QString& commit);

private:
    explicit TrustStore(QString dir) : m_dir(std::move(dir)) {}
    Result<void> reload();
    Result<void> save() const;

    QString m_dir;
    std::vector<TrustEntry> m_entries;
};

} // namespace mwb::review
