#pragma once

// Internal to the engine: a ResnetGraph turned into oneDNN primitives for one input shape. Each
// convolution's layouts are left to oneDNN ("any"); a reorder is inserted only where a consumer wants
// another layout than its producer made. Weights are packed once per layout and shared by every plan
// of the engine. Activation buffers are reused as soon as their last reader has run, and the fused
// residual add writes into the shortcut's buffer in place.
//
// Not synchronised: the engine's mutex guards its packs and plans.

#include "inference/engine/resnet_graph.h"

#include <cstdint>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include <vector>

namespace mwb {

// Folded weights packed for the layouts the primitives asked for, plus the bias, per conv.
class PackedWeights
{
public:
    PackedWeights(const ResnetGraph& graph, const dnnl::engine& engine);
    const dnnl::memory& weights(int conv, const dnnl::memory::desc& layout, dnnl::stream& stream);
    const dnnl::memory& bias(int conv) const { return m_bias[static_cast<std::size_t>(conv)]; }

private:
    const ResnetGraph& m_graph;
    dnnl::engine m_engine;
    std::vector<std::vector<dnnl::memory>> m_packed; // per conv, one per layout
    std::vector<dnnl::memory> m_bias;
};

struct PlanStep
{
    dnnl::primitive primitive;
    std::unordered_map<int, dnnl::memory> args;
};

struct Plan
{
    std::int64_t batch = 0, height = 0, width = 0;
    dnnl::memory input;  // float32 NCHW, the caller's buffer (set per run)
    dnnl::memory output; // float32 NCHW features, the caller's buffer (set per run)
    std::vector<std::int64_t> outputDims;
    std::vector<PlanStep> steps;
    std::vector<std::shared_ptr<void>> buffers; // activations, 64-byte aligned
};

// Builds the primitives for a batch x channels x height x width input. Throws dnnl::error or
// std::runtime_error (the engine turns them into an Error).
std::unique_ptr<Plan> buildPlan(const ResnetGraph& graph,
                                PackedWeights& weights,
                                const dnnl::engine& engine,
                                dnnl::stream& stream,
                                dnnl::memory::data_type activations,
                                std::int64_t batch,
                                std::int64_t height,
                                std::int64_t width);

void runPlan(Plan& plan, dnnl::stream& stream, const float* input, float* output);

} // namespace mwb
