#pragma once

// Pushing a folder to the Hub as one commit, as huggingface_hub's upload_folder does (ARCHITECTURE.md, "Hub:
// uploads"): check the token can write, create the repo (a 409 for a repo the user may write means go on),
// preupload to learn which files go through LFS and which are unchanged, sha256 the LFS files, LFS batch,
// PUT to the presigned URLs without the Hub token (in parts when the server asks), complete and verify,
// then one NDJSON commit whose header names the parent commit the upload was planned against.
//
// Files already on the Hub are not sent again: regular files whose git blob sha1 equals the remote oid
// and LFS files whose sha256 does are left out of the commit, and LFS objects the batch reports as
// stored are not uploaded. Requests are retried on 408/429/5xx and dropped connections, honouring
// Retry-After. Nothing changes on the Hub before the commit, so a failure before it leaves the repo as
// it was; the error says which step and file failed. The pushed commit's code files are recorded in the
// trust store as the user's own code.
//
// Torch-free; safe for ui/ and app/. HubPusher::push is synchronous and runs a local event loop: call it
// from a worker thread (never the GUI thread) or the CLI's main thread, and use the object from that
// thread only. cancel() may be called from any thread. Progress callbacks run on the pushing thread.

#include "error.h"
#include "hub/hub_paths.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include <QList>
#include <QString>

namespace mwb::share {

struct PushOptions
{
    QString folder; // the files to push, e.g. a custom-code repo (hidden entries are skipped)
    QString repoId; // "namespace/name"; a bare "name" goes to the user's own namespace
    QString branch = QStringLiteral("main");
    QString summary;             // commit title; "Upload model with Model Workbench" when empty
    QString description;         // commit message body
    bool isPrivate = false;      // visibility when the repo is created (an existing repo keeps its own)
    QString parentCommit;        // the head the user expects; when empty, the head preupload reports
    bool recordTrust = true;     // add the pushed commit's .py files to the trust store
    QString trustStoreDirectory; // empty: TrustStore::defaultDirectory()
};

struct PushedFile
{
    QString path;
    qint64 size = 0;
    bool lfs = false;       // stored through LFS
    bool uploaded = false;  // its bytes were sent (in the commit, or PUT to LFS storage)
    bool unchanged = false; // identical to the file already at that path: left out of the commit
};

struct PushResult
{
    QString repoId;
    QString commitId;       // the new commit, or the current head when nothing changed
    QString commitUrl;      // "<endpoint>/<repo>/commit/<commit>"
    QString pinnedUrl;      // "<endpoint>/<repo>/tree/<commit>": the repo as of this commit
    bool created = false;   // the repo did not exist before
    bool noChanges = false; // every file was already there; no commit was made
    bool trusted = false;   // the commit was added to the trust store
    QList<PushedFile> files;
};

struct PushProgress
{
    enum class Phase
    {
        Checking,   // token, repo, preupload
        Hashing,    // sha256 of LFS files
        Uploading,  // LFS PUTs
        Committing, // the NDJSON commit
    };
    Phase phase = Phase::Checking;
    QString file; // the file being hashed or uploaded, else empty
    qint64 fileDone = 0;
    qint64 fileTotal = 0;
    qint64 done = 0; // bytes of the current phase done, over every file
    qint64 total = 0;
};

using PushProgressCallback = std::function<void(const PushProgress&)>;

class HubPusher
{
public:
    // `token`: nullopt finds it as huggingface_hub does (HF_TOKEN, token file); a push needs one.
    explicit HubPusher(hub::HubSettings settings = hub::HubSettings::fromEnvironment(),
                       std::optional<QString> token = std::nullopt);
    ~HubPusher();
    HubPusher(const HubPusher&) = delete;
    HubPusher& operator=(const HubPusher&) = delete;

    Result<PushResult> push(const PushOptions& options, const PushProgressCallback& progress = {});
    // Any thread, also before push() starts (then push() fails at once); the push fails with
    // ErrorKind::Cancelled before its commit. One push per HubPusher: a cancel is never undone.
    void cancel();

private:
    struct Run;
    hub::HubSettings m_settings;
    std::optional<QString> m_token;
    std::shared_ptr<std::atomic_bool> m_cancel = std::make_shared<std::atomic_bool>(false);
};

} // namespace mwb::share
