#pragma once

// A model of a registered type (today: the tutorial's ResNet wrappers around timm's ResNet), built
// natively with LibTorch behind a pimpl, so this header is free of LibTorch and safe for ui/ and app/.
//
// Ownership: a Model owns its module and weights. It is not synchronised: use it from one thread at a
// time (it may move between threads, e.g. built on a worker and handed to the GUI). Building,
// loading, saving and forward take a while: never call them on the GUI thread. Inference runs in
// eval mode inside a c10::InferenceMode guard opened by the calling thread. Errors come back as
// values naming the file, field or tensor at fault; no exception leaves these functions.

#include "error.h"
#include "model/load_report.h"
#include "model/model_summary.h"

#include <cstdint>
#include <memory>
#include <string>

#include <QString>

#include <nlohmann/json.hpp>

namespace mwb {

struct LoadOptions
{
    // Refuse unless every tensor matches (the default, as load_state_dict(strict=True)). When false,
    // load what fits (matched tensors) and leave the rest as it is.
    bool strict = true;
    // When the only differences are in the classifier (another num_classes), load everything else and
    // keep the model's freshly initialised head, even in strict mode.
    bool keepFreshHead = false;
};

class Model
{
public:
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    // Builds the model a registration names, with fresh (randomly seeded) weights. `effectiveConfig`
    // must be valid for its schema; `className` is the Python class ("ResnetModel",
    // "ResnetModelForImageClassification") and `task` the Auto class. Used by the registry's
    // factories (resnet_registration.cpp); callers normally use fromConfig or fromPretrained.
    static Result<std::unique_ptr<Model>>
    create(const nlohmann::json& effectiveConfig, const std::string& className, const std::string& task);
    // Validates a config document (as read from config.json), fills in defaults and builds the class
    // that `taskOrClassName` names (an Auto class or a Python class name); when empty, the class in
    // the config's `architectures`, else AutoModelForImageClassification. Fresh weights.
    static Result<std::unique_ptr<Model>> fromConfig(const nlohmann::json& config,
                                                     const std::string& taskOrClassName = {});
    // Before a model is allocated for `config` and the weights in `folder`: InvalidInput when the
    // folder's weight file (read from its header only) holds fewer values than the config's estimated
    // parameter count, so a strict load could never succeed (a 400-byte config with num_classes
    // 1,000,000 next to a small file). Nothing to check (no error) for configs it cannot estimate.
    static Result<void> checkWeightsCanFill(const nlohmann::json& config, const QString& folder);
    // A new Model of the same class with a copy of this one's weights. Only reads this model, so it
    // may run while another thread runs inference on it; the copy is owned by the caller. This is how
    // new weights reach a model in use: derive a copy, load into it, swap it in.
    Result<std::unique_ptr<Model>> clone() const;
    // save_pretrained's counterpart: config.json plus the weights in the folder (model.safetensors,
    // shards, or pytorch_model.bin), loaded strictly.
    static Result<std::unique_ptr<Model>> fromPretrained(const QString& folder,
                                                         const std::string& taskOrClassName = {});

    const nlohmann::json& config() const; // the effective config: defaults filled in, unknown keys kept
    const std::string& modelType() const; // "resnet"
    const std::string& className() const; // "ResnetModelForImageClassification"
    const std::string& task() const;      // "AutoModelForImageClassification"
    std::uint64_t parameterCount() const; // trainable parameters, as timm's param_count

    // Stages with output shapes, parameters and MACs for one input image of height x width.
    Result<ModelSummary> summary(std::int64_t height = 224, std::int64_t width = 224) const;

    // Fresh weights as timm initialises them; the same seed gives the same weights.
    void initializeWeights(std::uint64_t seed);

    // What loading the weights in `fileOrFolder` would do, without changing the model. Keys may carry
    // the wrapper's "model." prefix or be timm's bare names.
    Result<LoadReport> checkWeights(const QString& fileOrFolder) const;
    // Loads the weights. Refused (InvalidInput, one line per mismatch, the model unchanged) unless the
    // report is exact, or `options` allow its differences. Returns the report of what was loaded.
    Result<LoadReport> applyWeights(const QString& fileOrFolder, const LoadOptions& options = {});

    // save_pretrained: config.json (architectures [className], torch_dtype "float32") and
    // model.safetensors (keys "model." + timm's name, metadata {"format": "pt"}), each written
    // atomically. Creates the folder.
    Result<void> savePretrained(const QString& folder) const;

    // `mwb forward`: reads the tensor `pixel_values` (N, C, H, W; float) from a safetensors file and
    // writes `logits` (N, num_classes; the pooled features when num_classes is 0) and `features`
    // (forward_features, N, C', H', W'), both float32, to `outputPath`.
    Result<void> forwardSafetensors(const QString& inputPath, const QString& outputPath) const;

    struct Impl; // model_internal.h

private:
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
    friend struct ModelAccess;
};

} // namespace mwb
