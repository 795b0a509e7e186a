#pragma once

// Turning a Hub answer into an Error a user can act on (ARCHITECTURE.md, "Hub: errors and retries"):
// X-Error-Code first (RevisionNotFound, EntryNotFound, GatedRepo, RepoNotFound), then the 401-vs-404 rule (a
// 401 on a repo URL means "not found or private" unless the message says the credentials are invalid), then
// 403, 429, 416 and the rest. Each message names the URL and says what to do. Any thread.

#include "error.h"
#include "hub/hub_http.h"

#include <QString>

namespace mwb::hub::detail {

struct ErrorContext
{
    QString repoId;
    QString revision;
    QString path;        // file in the repo, when the request was about one
    QString tokenSource; // "from the HF_TOKEN environment variable", ...; empty when no token was sent
};

// Whether a cached copy may stand in for this failure (ARCHITECTURE.md, "Hub: downloads"): no answer, a
// timeout, 408, 429, 5xx, 401 or 403. Not 404s: a missing repo, revision or file is reported, never hidden by
// the cache.
bool allowsCacheFallback(const HttpResponse& response);

// The Error for a failed exchange (no answer, or an HTTP status >= 400, or a redirect where none belongs).
Error errorFromResponse(const HttpResponse& response, const ErrorContext& context);

} // namespace mwb::hub::detail
