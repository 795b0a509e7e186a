#pragma once

// Where the Hub client looks and what it sends, read from the environment the way huggingface_hub reads
// it (ARCHITECTURE.md, "Hub: endpoint, repo ids, paths" and "Hub: tokens and whoami"): HF_ENDPOINT, HF_HOME,
// HF_HUB_CACHE, HF_TOKEN_PATH, HF_HUB_OFFLINE, timeouts. Plain values; any thread. Tests build their own
// HubSettings.

#include "error.h"

#include <QString>

namespace mwb::hub {

struct HubSettings
{
    QString endpoint;              // base URL without trailing '/', e.g. "https://huggingface.co"
    QString hfHome;                // HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface
    QString cacheDir;              // HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else <hfHome>/hub
    QString tokenPath;             // HF_TOKEN_PATH, else <hfHome>/token
    bool offline = false;          // HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) = 1/ON/YES/TRUE
    QString userAgent;             // "model-workbench/<v>; hf_hub/compatible; qt/<v>"
    int metadataTimeoutMs = 10000; // HF_HUB_ETAG_TIMEOUT (seconds in the environment)
    int downloadTimeoutMs = 10000; // HF_HUB_DOWNLOAD_TIMEOUT: stall time before a transfer counts as failed
    int maxRetries = 5;            // on 408/429/5xx and network errors
    int backoffBaseMs = 1000;      // 1 s, 2 s, 4 s, 8 s, 8 s (ARCHITECTURE.md, "Hub: errors and retries")
    int backoffMaxMs = 8000;
    // With a cached copy to fall back on, the first request is one attempt with this timeout: a Hub that
    // is down costs this long, not five retries (ARCHITECTURE.md, "Hub: downloads").
    int probeTimeoutMs = 3000;
    bool disableImplicitToken = false; // HF_HUB_DISABLE_IMPLICIT_TOKEN: the stored token only when asked

    static HubSettings fromEnvironment();
    QString storedTokensPath() const; // `stored_tokens`, next to the token file
};

// `^[0-9a-f]{40}$`: a full commit id as huggingface_hub recognises it.
bool isFullCommitId(const QString& revision);

// Checks a repo id as huggingface_hub does (ARCHITECTURE.md, "Hub: endpoint, repo ids, paths"): at most one
// '/', [A-Za-z0-9_.-], no leading/trailing '-' or '.', no "--" or "..", not ending in ".git", at most 96
// characters.
Result<void> validateRepoId(const QString& repoId);

// "models--org--name" for "org/name".
QString repoFolderName(const QString& repoId);

} // namespace mwb::hub
