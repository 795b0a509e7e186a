#pragma once

// Which files a classify command or a drop means: files as given, folders walked recursively for
// image files. Torch-free; free functions, safe from any thread.

#include "error.h"

#include <filesystem>
#include <string>
#include <vector>

namespace mwb {

// Lower-case extensions (with the dot) of the formats the decoder reads.
const std::vector<std::string>& imageFileExtensions();
bool hasImageExtension(const std::filesystem::path& path);

// Files are kept as given, whatever their extension (a bad one is reported by the classifier, naming
// it). Folders contribute their image files, recursively, sorted by path. Fails (InvalidInput) when an
// argument does not exist, and (Io) when a folder cannot be read.
Result<std::vector<std::filesystem::path>>
collectImageFiles(const std::vector<std::filesystem::path>& arguments);

// The image files under `folder`, recursively, sorted by path.
Result<std::vector<std::filesystem::path>> imageFilesUnder(const std::filesystem::path& folder);

} // namespace mwb
