#pragma once

// Evaluating a classifier on a labelled folder: ROOT/<class name>/...images. Folder names are matched
// to the model's labels; the results give accuracy, per-class precision and recall, and a confusion
// matrix that remembers which images fell in each cell. Torch-free; free functions, safe from any
// thread.

#include "error.h"
#include "inference/classifier.h"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mwb {

struct LabelledImage
{
    std::filesystem::path path;
    int classIndex = 0; // the model's class the folder names
};

struct ClassFolder
{
    std::string name;    // the subfolder's name
    int classIndex = -1; // -1: no label matches it
    std::size_t images = 0;
};

struct LabelledFolder
{
    std::filesystem::path root;
    std::vector<LabelledImage> images; // images of matched folders, by folder name then path
    std::vector<ClassFolder> folders;  // every subfolder that holds images, sorted by name

    std::vector<ClassFolder> unmatched() const;
};

// The class a folder name stands for: the label spelled exactly, else the one label equal to it when
// case and everything but letters and digits are ignored ("ankle_boot" = "Ankle boot", "T-shirt_top"
// = "T-shirt/top"), else a plain class index ("3"). -1 when none or more than one label fits.
int matchClassFolder(const std::string& folderName, const std::vector<std::string>& labels);

// Reads ROOT's subfolders (each walked recursively for images). Fails (InvalidInput) when ROOT is not
// a folder or has no subfolder holding images.
Result<LabelledFolder> scanLabelledFolder(const std::filesystem::path& root,
                                          const std::vector<std::string>& labels);

struct ClassMetrics
{
    int classIndex = 0;
    std::string label;
    int support = 0;   // images whose folder is this class
    int predicted = 0; // images predicted as this class
    int correct = 0;
    std::optional<double> precision; // correct / predicted; none when nothing was predicted as it
    std::optional<double> recall;    // correct / support; none when no image is of this class
};

struct Evaluation
{
    int evaluated = 0; // images with predictions
    int correct = 0;   // top-1 equal to the folder's class
    double accuracy = 0;
    std::vector<std::size_t> failedImages; // indices into LabelledFolder::images that got an error

    // Rows and columns of the matrix, by class index: every class with a folder, and every class
    // predicted for some image.
    std::vector<ClassMetrics> classes;
    std::vector<std::vector<int>> confusion; // [true][predicted], indices into `classes`
    // The images in each cell (indices into LabelledFolder::images), for "show me these".
    std::vector<std::vector<std::vector<std::size_t>>> cellImages;
};

// `results[i]` is the result for `folder.images[i]`; there may be fewer results than images (a
// cancelled run): only those are counted. `labels` are the classifier's.
Evaluation evaluate(const LabelledFolder& folder,
                    const std::vector<ClassifyResult>& results,
                    const std::vector<std::string>& labels);

} // namespace mwb
