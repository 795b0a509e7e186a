#pragma once

// Internal to core (includes LibTorch): tensor-level runs of an InferenceEngine, for the classifier,
// `mwb forward` and tests. Same threading rules as InferenceEngine; open c10::InferenceMode in the
// calling thread.

#include "inference/engine/inference_engine.h"
#include "model/model_internal.h"

#include <ATen/core/Tensor.h>

namespace mwb {

// Runs the engine on `pixelValues` (4-D, floating, the model's input channels, non-empty; converted
// to contiguous float32). `features` is filled only when `wantFeatures` (it costs a copy to NCHW
// float32 of the last feature map, which is needed for the head anyway, so it is cheap).
//
// `lane` picks one of the engine's independent runners: lane 0 uses all `threads()` threads (the
// lowest latency for one batch); lanes 1..threads() use one thread each and may run at the same
// time as each other (not as lane 0's threads would then oversubscribe the cores), which is the
// highest throughput when several batches are queued. Runs on the same lane are serialised.
Result<ForwardOutputs>
engineForward(InferenceEngine& engine, const at::Tensor& pixelValues, bool wantFeatures, int lane = 0);

} // namespace mwb
