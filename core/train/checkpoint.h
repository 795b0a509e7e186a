#pragma once

// Internal to core/train: the checkpoint a killed run resumes from. A checkpoint folder is a
// pretrained folder (config.json, model.safetensors, preprocessor_config.json) plus
// optimizer.safetensors and state.json (where the run stands, its history, and what must not change
// on resume). It is written to a sibling "<folder>.tmp" and swapped in by renames, so a kill at any
// moment leaves either the previous checkpoint or the new one (as "<folder>" or "<folder>.old").

#include "error.h"
#include "train/trainer.h"

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mwb {

namespace train_detail {
class Optimizer;
}

struct RunPosition
{
    int epoch = 0;                // completed epochs
    std::int64_t stepInEpoch = 0; // steps done in the epoch after them
    double lossSum = 0;           // that partial epoch's training loss (sum over images)
    std::int64_t correct = 0;     // and its correct predictions
    std::int64_t seen = 0;        // and its images
};

struct CheckpointState
{
    RunPosition position;
    std::vector<EpochReport> history;
    int bestEpoch = 0;
    double bestAccuracy = 0;
    nlohmann::json identity; // options that must match on resume
};

struct RestoredCheckpoint
{
    std::filesystem::path folder; // the checkpoint folder actually read
    int epochs = 0;               // the epoch count the run was last started with
    RunPosition position;
    std::vector<EpochReport> history;
    int bestEpoch = 0;
    double bestAccuracy = 0;
};

Result<void> writeCheckpoint(const std::filesystem::path& folder,
                             const Model& model,
                             const train_detail::Optimizer& optimizer,
                             const CheckpointState& state,
                             const std::string& preprocessorConfigJson);

// `path` is a checkpoint folder or an output folder holding checkpoint/. Loads the weights into
// `model` and the state into `optimizer`; refuses (InvalidInput) when `identity` differs from the
// run that wrote it, naming the option.
Result<RestoredCheckpoint> restoreCheckpoint(const std::filesystem::path& path,
                                             Model& model,
                                             train_detail::Optimizer& optimizer,
                                             const nlohmann::json& identity);

Result<void> writeTextFileAtomically(const std::filesystem::path& path, const std::string& text);

EpochReport epochReportFromJson(const nlohmann::json& doc);

} // namespace mwb
