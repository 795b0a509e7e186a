#pragma once

// The inference path of a Model, separate from its training modules: built once from the model's
// weights with BatchNorm folded into the convolutions, every convolution a oneDNN primitive on
// weights packed ahead of time, activations kept in oneDNN's preferred (blocked) layout between
// layers, ReLU and the residual add fused into the convolution that precedes them. Exact precision
// is float32 (the training modules' outputs within 1e-4 relative); fast precision is bfloat16 with
// float32 logits. Torch-free: ui/ and app/ may include this header.
//
// Ownership: an engine copies what it needs from the Model when it is built and never looks at the
// Model again, so a model with new weights needs a new engine (build one from the new Model).
// Threads: any thread may build or run an engine; runs are serialised by an internal mutex. A run
// uses `threads()` OpenMP threads of the calling thread (it sets that thread's OpenMP count). Core
// code can also run several one-thread batches at once (lanes, see engine_internal.h).
// Errors come back as values; a failed run leaves the engine usable.

#include "error.h"
#include "inference/engine/precision.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mwb {

class Model;

struct EngineOptions
{
    Precision precision = Precision::Exact;
    int threads = 0; // 0: all physical cores
};

class InferenceEngine
{
public:
    ~InferenceEngine();
    InferenceEngine(const InferenceEngine&) = delete;
    InferenceEngine& operator=(const InferenceEngine&) = delete;

    // Builds the engine for `model` (a ResNet). Fails (InvalidInput) when fast precision is asked for
    // on a CPU without bfloat16 instructions (the message says why) or the thread count is invalid.
    static Result<std::unique_ptr<InferenceEngine>> build(const Model& model,
                                                          const EngineOptions& options = {});

    Precision precision() const;
    int threads() const;
    int inputChannels() const;
    int numClasses() const; // 0 when the model has no classifier (logits are the pooled features)
    // "exact (float32, oneDNN), 2 threads": what the user sees next to results.
    std::string description() const;

    // Creates the primitives for one input shape ahead of the first run of that shape (runs create
    // them on demand otherwise). A few shapes are cached; the oldest is dropped beyond that.
    Result<void> prepare(int batch, int height, int width);

    // Logits (batch x numClasses, row-major, float32) for `pixels`: batch x channels x height x width
    // float32 values in NCHW order. InvalidInput when the shape does not fit the model.
    Result<std::vector<float>> logits(const float* pixels, int batch, int channels, int height, int width);

    struct Impl; // engine_internal.h

private:
    explicit InferenceEngine(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
    friend struct EngineAccess;
};

// `mwb forward` on the engine: reads tensor `pixel_values` (N, C, H, W; float) from a safetensors
// file and writes `logits` and `features` (float32) to `outputPath`, as Model::forwardSafetensors
// does with the training modules. Builds the engine for this one run.
Result<void> forwardSafetensorsFile(const Model& model,
                                    const EngineOptions& options,
                                    const std::string& inputPath,
                                    const std::string& outputPath);

} // namespace mwb
