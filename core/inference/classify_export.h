#pragma once

// The documented output forms of classification and evaluation, shared by `mwb classify` and the GUI:
//   JSON: [{"image": PATH, "predictions": [{"index", "label", "score"}, ...]} | {"image", "error"}, ...]
//   CSV:  image,rank,index,label,score,error (see resultsToCsv)
// Torch-free; free functions, safe from any thread.

#include "error.h"
#include "inference/classifier.h"
#include "inference/evaluation.h"

#include <string>
#include <vector>

#include <QString>

#include <nlohmann/json_fwd.hpp>

namespace mwb {

nlohmann::json resultToJson(const ClassifyResult& result);
nlohmann::json resultsToJson(const std::vector<ClassifyResult>& results);

// RFC 4180 CSV with the header "image,rank,index,label,score,error": one row per prediction (rank 1
// is the best), or one row with only `image` and `error` for an image that failed.
std::string resultsToCsv(const std::vector<ClassifyResult>& results);

// Written atomically.
Result<void> writeResultsCsv(const QString& path, const std::vector<ClassifyResult>& results);
Result<void> writeResultsJson(const QString& path, const std::vector<ClassifyResult>& results);

// {"root", "images", "evaluated", "correct", "accuracy", "failed": [{"image", "error"}],
//  "unmatched_folders": [{"name", "images"}], "classes": [{"index", "label", "support", "predicted",
//  "correct", "precision", "recall"}], "confusion_matrix": [[...]] (rows: true class, columns:
//  predicted, both in the order of "classes")}. precision/recall are null when undefined.
nlohmann::json evaluationToJson(const LabelledFolder& folder,
                                const std::vector<ClassifyResult>& results,
                                const Evaluation& evaluation);

} // namespace mwb
