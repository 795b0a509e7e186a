#pragma once

// What loading a weight file into a model would do, tensor by tensor: matched, missing, unexpected,
// of the wrong shape or of an unusable dtype, and which tensors change dtype on the way in. Produced
// by Model::checkWeights / Model::applyWeights; plain values, safe to copy to any thread.

#include <cstdint>
#include <string>
#include <vector>

namespace mwb {

enum class TensorStatus
{
    Matched,    // same name and shape; loaded (converted to the model's dtype if `fileDtype` differs)
    Missing,    // the model has it, the file does not
    Unexpected, // the file has it, the model does not
    WrongShape, // both have it, shapes differ
    WrongDtype, // both have it, but the file's dtype cannot become the model's (e.g. bool weights)
    Defaulted,  // BatchNorm num_batches_tracked absent from the file: set to 0, as PyTorch does
};

// "matched", "missing", "unexpected", "wrong shape", "wrong dtype", "defaulted".
std::string statusName(TensorStatus status);

struct TensorReport
{
    std::string name;     // the model's key (timm's name, without the wrapper's "model." prefix)
    std::string fileName; // the key in the file ("model.conv1.weight" or "conv1.weight"); empty if missing
    TensorStatus status = TensorStatus::Matched;
    std::vector<std::int64_t> modelShape; // empty for Unexpected
    std::vector<std::int64_t> fileShape;  // empty for Missing / Defaulted
    std::string modelDtype;               // safetensors spelling: "F32", "I64"
    std::string fileDtype;

    bool dtypeConverted() const { return status == TensorStatus::Matched && modelDtype != fileDtype; }
    // True for the classifier, the only part that differs between timm models of other num_classes.
    bool isClassifier() const { return name.starts_with("fc."); }
};

struct LoadReport
{
    std::string file;                  // the file or folder read
    std::vector<TensorReport> tensors; // model order first, then the file's unexpected tensors
    bool prefixed = false;             // the file uses the wrapper's "model." prefix
    // Where the weights come from and how their names were translated (source_format.h,
    // key_mapping.h). Empty for a plain load of timm's or the wrapper's names.
    std::string sourceFormat;              // sourceFormatName(): "timm Hub repo (timm >= 0.9)"
    std::string mapping;                   // the table's name: "transformers ResNet -> timm"
    std::vector<std::string> mappingRules; // describeMapping() of the table
    std::string strippedPrefix;            // a prefix every key carried, removed ("module.")
    int renamed = 0;                       // file tensors whose name the mapping changed
    std::vector<std::string> notes;        // e.g. the architecture inferred from a bare state_dict

    int count(TensorStatus status) const;
    int convertedCount() const;
    // Nothing missing, unexpected, of the wrong shape or dtype: a strict load succeeds.
    bool exact() const;
    // Not exact, but every problem is in the classifier (fc.*): another num_classes. Loading the rest
    // and keeping the model's freshly initialised head makes sense.
    bool onlyClassifierDiffers() const;
    // The tensors that make a strict load fail.
    std::vector<TensorReport> problems() const;
};

// "[64, 3, 7, 7]"; "[]" for a scalar.
std::string formatShape(const std::vector<std::int64_t>& shape);
// One line per problem, e.g. "fc.weight: wrong shape: model [10, 512], file [1000, 512]".
std::string describeProblem(const TensorReport& tensor);

} // namespace mwb
