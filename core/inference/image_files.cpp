#include "inference/image_files.h"

#include <algorithm>
#include <cctype>
#include <system_error>

namespace mwb {

const std::vector<std::string>& imageFileExtensions()
{
    static const std::vector<std::string> extensions = {".png", ".jpg",  ".jpeg", ".jpe", ".bmp",
                                                        ".dib", ".webp", ".tif",  ".tiff"};
    return extensions;
}

bool hasImageExtension(const std::filesystem::path& path)
{
    std::string extension = path.extension().string();
    std::ranges::transform(extension, extension.begin(), [](unsigned char c) { return std::tolower(c); });
    return std::ranges::find(imageFileExtensions(), extension) != imageFileExtensions().end();
}

Result<std::vector<std::filesystem::path>> imageFilesUnder(const std::filesystem::path& folder)
{
    std::vector<std::filesystem::path> files;
    std::error_code error;
    const auto options = std::filesystem::directory_options::skip_permission_denied;
    std::filesystem::recursive_directory_iterator it(folder, options, error), end;
    for (; !error && it != end; it.increment(error)) {
        std::error_code statError;
        if (it->is_regular_file(statError) && hasImageExtension(it->path()))
            files.push_back(it->path());
    }
    if (error)
        return fail(ErrorKind::Io, folder.string() + ": cannot read the folder: " + error.message());
    std::ranges::sort(files);
    return files;
}

Result<std::vector<std::filesystem::path>>
collectImageFiles(const std::vector<std::filesystem::path>& arguments)
{
    std::vector<std::filesystem::path> files;
    for (const std::filesystem::path& argument : arguments) {
        std::error_code error;
        const auto status = std::filesystem::status(argument, error);
        if (!std::filesystem::exists(status))
            return fail(ErrorKind::InvalidInput, argument.string() + ": no such file or folder");
        if (!std::filesystem::is_directory(status)) {
            files.push_back(argument);
            continue;
        }
        auto under = imageFilesUnder(argument);
        if (!under)
            return std::unexpected(under.error());
        files.insert(files.end(), under->begin(), under->end());
    }
    return files;
}

} // namespace mwb
