#pragma once

// The shared Hub cache is written by downloads only (and `mwb cache rm`): a snapshot file is a symlink
// into blobs/, so writing "through" it would change the content of a pinned commit for every tool that
// reads the cache, Python included. Every writer of the app asks here first. Any thread.

#include "error.h"

#include <QString>

namespace mwb::hub {

// True when writing `path` would change something inside a Hub cache: the path, or what it resolves to
// through symlinks (of the file or of any parent folder), lies under `cacheDir` (default: the cache
// huggingface_hub would use, from HF_HUB_CACHE / HF_HOME), or inside any folder laid out as a cache repo
// (`models--*/{blobs,snapshots,refs,.no_exist}`, also datasets-- and spaces--), wherever it is.
bool isInsideHubCache(const QString& path, const QString& cacheDir = {});

// An Unsafe error naming the path (and saying to use Save As into another folder) when isInsideHubCache.
Result<void> refuseWriteInsideHubCache(const QString& path);

} // namespace mwb::hub
