#pragma once

// Internal to core (includes LibTorch): the torch side of a Model, for core code that needs the
// module itself (classification, benchmarks, tests). Same threading rules as Model: one thread at a
// time; open c10::InferenceMode in the thread that runs inference.

#include "model/key_mapping.h"
#include "model/model.h"
#include "model/resnet_module.h"
#include "weights/tensor_list.h"

#include <map>

#include <ATen/core/Tensor.h>

namespace mwb {

struct Model::Impl
{
    nlohmann::json config; // effective
    std::string modelType;
    std::string className;
    std::string task;
    ResnetSpec spec;
    ResnetNet net{nullptr}; // kept in eval mode
};

struct ModelAccess
{
    static Model::Impl& impl(const Model& model) { return *model.m_impl; }
};

// The module, in eval mode. Its state_dict keys are timm's (no "model." prefix).
inline ResnetNetImpl& resnetModule(const Model& model)
{
    return *ModelAccess::impl(model).net;
}

// Parameters and buffers in state_dict order, sharing storage with the model. `wrapperPrefix` adds
// "model." as the tutorial's wrapper classes name them.
TensorList modelStateDict(const Model& model, bool wrapperPrefix);

struct ForwardOutputs
{
    at::Tensor features; // forward_features: N, C', H', W'
    at::Tensor logits;   // N, num_classes (the pooled features when num_classes is 0)
};

// Checks `pixelValues` (4-D, floating, C == input_channels, non-empty) and runs the model on it as
// float32. The caller opens c10::InferenceMode (or NoGradGuard) in its own thread.
Result<ForwardOutputs> runForward(const Model& model, const at::Tensor& pixelValues);

// ResnetModelForImageClassification's loss when labels are given: cross-entropy over int64 class
// indices, mean over the non-ignored targets, ignore_index -100.
Result<at::Tensor> classificationLoss(const at::Tensor& logits, const at::Tensor& labels);

// The load report for tensors already read (what checkWeights does after reading the file).
LoadReport matchWeights(const Model& model, const TensorList& tensors, const std::string& fileLabel);
// Loads tensors as applyWeights does.
Result<LoadReport> applyTensors(Model& model,
                                const TensorList& tensors,
                                const std::string& fileLabel,
                                const LoadOptions& options = {});

// A file's tensors renamed by a source format's key mapping (sharing their storage), with the name
// each had in the file, so the load report can show both.
struct MappedTensors
{
    TensorList tensors;
    std::map<std::string, std::string> fileNames; // mapped name -> name in the file
    std::string strippedPrefix;
    int renamed = 0;
};
MappedTensors mapTensorNames(const TensorList& tensors, const KeyMapping& mapping);

// timm's label_offset: the file's classifier has `offset` extra leading rows (a background class);
// drop them as timm does when the head has `classes` + `offset` rows. No-op for offset 0.
void dropLeadingClassifierRows(TensorList& tensors, int offset, int classes);

// Loads mapped tensors strictly and fills the report's source-format fields; the report's file names
// are the names in the file.
Result<LoadReport> applyMappedTensors(Model& model,
                                      const MappedTensors& mapped,
                                      const KeyMapping& mapping,
                                      const std::string& sourceFormat,
                                      const std::string& fileLabel,
                                      const LoadOptions& options = {});

// "F32", "I64", ...: the safetensors spelling of a tensor's dtype.
std::string dtypeName(const at::Tensor& tensor);

} // namespace mwb
