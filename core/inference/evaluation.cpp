#include "inference/evaluation.h"

#include "inference/image_files.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <system_error>

namespace mwb {
namespace {

std::string foldedName(const std::string& name)
{
    std::string folded;
    for (unsigned char c : name) {
        if (std::isalnum(c))
            folded.push_back(static_cast<char>(std::tolower(c)));
    }
    return folded;
}

std::optional<int> plainIndex(const std::string& name)
{
    int value = 0;
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), value);
    if (error != std::errc() || end != name.data() + name.size() || name.empty())
        return std::nullopt;
    return value;
}

} // namespace

std::vector<ClassFolder> LabelledFolder::unmatched() const
{
    std::vector<ClassFolder> out;
    std::ranges::copy_if(folders, std::back_inserter(out),
                         [](const ClassFolder& f) { return f.classIndex < 0; });
    return out;
}

int matchClassFolder(const std::string& folderName, const std::vector<std::string>& labels)
{
    if (auto it = std::ranges::find(labels, folderName); it != labels.end())
        return static_cast<int>(it - labels.begin());
    const std::string folded = foldedName(folderName);
    int match = -1;
    for (std::size_t i = 0; i < labels.size() && !folded.empty(); ++i) {
        if (foldedName(labels[i]) != folded)
            continue;
        if (match >= 0)
            return -1; // ambiguous: better unmatched than wrong
        match = static_cast<int>(i);
    }
    if (match >= 0)
        return match;
    if (auto index = plainIndex(folderName); index && *index >= 0 && *index < static_cast<int>(labels.size()))
        return *index;
    return -1;
}

Result<LabelledFolder> scanLabelledFolder(const std::filesystem::path& root,
                                          const std::vector<std::string>& labels)
{
    std::error_code error;
    if (!std::filesystem::is_directory(root, error))
        return fail(ErrorKind::InvalidInput, root.string() + ": not a folder");
    std::vector<std::filesystem::path> subfolders;
    for (std::filesystem::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
        std::error_code statError;
        if (it->is_directory(statError))
            subfolders.push_back(it->path());
    }
    if (error)
        return fail(ErrorKind::Io, root.string() + ": cannot read the folder: " + error.message());
    std::ranges::sort(subfolders);

    LabelledFolder folder;
    folder.root = root;
    for (const std::filesystem::path& subfolder : subfolders) {
        auto files = imageFilesUnder(subfolder);
        if (!files)
            return std::unexpected(files.error());
        if (files->empty())
            continue;
        const std::string name = subfolder.filename().string();
        const int classIndex = matchClassFolder(name, labels);
        folder.folders.push_back({name, classIndex, files->size()});
        if (classIndex < 0)
            continue;
        for (const auto& file : *files)
            folder.images.push_back({file, classIndex});
    }
    if (folder.folders.empty())
        return fail(ErrorKind::InvalidInput,
                    root.string() +
                        ": no subfolder holds images; a labelled folder has one subfolder per class");
    return folder;
}

Evaluation evaluate(const LabelledFolder& folder,
                    const std::vector<ClassifyResult>& results,
                    const std::vector<std::string>& labels)
{
    Evaluation evaluation;
    const std::size_t count = std::min(results.size(), folder.images.size());

    std::set<int> involved;
    for (const ClassFolder& f : folder.folders) {
        if (f.classIndex >= 0)
            involved.insert(f.classIndex);
    }
    for (std::size_t i = 0; i < count; ++i) {
        if (results[i].ok() && !results[i].predictions.empty())
            involved.insert(results[i].predictions.front().index);
    }
    std::map<int, std::size_t> position;
    for (int classIndex : involved) {
        position[classIndex] = evaluation.classes.size();
        const std::string label = classIndex < static_cast<int>(labels.size())
                                      ? labels[static_cast<std::size_t>(classIndex)]
                                      : "LABEL_" + std::to_string(classIndex);
        evaluation.classes.push_back({.classIndex = classIndex, .label = label});
    }
    const std::size_t n = evaluation.classes.size();
    evaluation.confusion.assign(n, std::vector<int>(n, 0));
    evaluation.cellImages.assign(n, std::vector<std::vector<std::size_t>>(n));

    for (std::size_t i = 0; i < count; ++i) {
        if (!results[i].ok() || results[i].predictions.empty()) {
            evaluation.failedImages.push_back(i);
            continue;
        }
        const std::size_t truth = position.at(folder.images[i].classIndex);
        const std::size_t guess = position.at(results[i].predictions.front().index);
        ++evaluation.evaluated;
        ++evaluation.confusion[truth][guess];
        evaluation.cellImages[truth][guess].push_back(i);
        ++evaluation.classes[truth].support;
        ++evaluation.classes[guess].predicted;
        if (truth == guess) {
            ++evaluation.correct;
            ++evaluation.classes[truth].correct;
        }
    }
    if (evaluation.evaluated > 0)
        evaluation.accuracy = double(evaluation.correct) / evaluation.evaluated;
    for (ClassMetrics& metrics : evaluation.classes) {
        if (metrics.predicted > 0)
            metrics.precision = double(metrics.correct) / metrics.predicted;
        if (metrics.support > 0)
            metrics.recall = double(metrics.correct) / metrics.support;
    }
    return evaluation;
}

} // namespace mwb
