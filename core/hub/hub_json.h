#pragma once

// Internal to core/hub: parsing Hub JSON into hub_types.h values, checking types and ranges first.
// A wrong shape is an Error naming the URL and the field.

#include "error.h"
#include "hub/hub_types.h"

#include <QByteArray>
#include <QUrl>

namespace mwb::hub::detail {

Result<WhoAmI> parseWhoAmI(const QByteArray& body, const QUrl& url);
Result<RepoInfo> parseRepoInfo(const QByteArray& body, const QUrl& url);
Result<RepoRefs> parseRefs(const QByteArray& body, const QUrl& url);
Result<QList<CommitInfo>> parseCommits(const QByteArray& body, const QUrl& url);
Result<QList<TreeEntry>> parseTree(const QByteArray& body, const QUrl& url);

} // namespace mwb::hub::detail
