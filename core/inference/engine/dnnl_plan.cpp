#include "inference/engine/dnnl_plan.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace mwb {
namespace {

using dnnl::memory;
using Dims = memory::dims;
using Tag = memory::format_tag;
using DataType = memory::data_type;

Dims weightDims(const FoldedConv& conv)
{
    const auto& w = conv.weight;
    if (conv.groups == 1)
        return {w.size(0), w.size(1), w.size(2), w.size(3)};
    return {conv.groups, w.size(0) / conv.groups, w.size(1), w.size(2), w.size(3)};
}

std::shared_ptr<void> alignedBuffer(std::size_t bytes)
{
    const std::size_t rounded = (std::max<std::size_t>(bytes, 1) + 63) / 64 * 64;
    void* data = std::aligned_alloc(64, rounded);
    if (!data)
        throw std::runtime_error("out of memory for activations (" + std::to_string(rounded) + " bytes)");
    return {data, std::free};
}

// Output size of a window op; `padRight` gets the right padding oneDNN needs for it.
std::int64_t windowOutput(std::int64_t in,
                          std::int64_t kernel,
                          std::int64_t stride,
                          std::int64_t pad,
                          bool ceil,
                          std::int64_t& padRight)
{
    const std::int64_t span = in + 2 * pad - kernel;
    std::int64_t out = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
    if (ceil && (out - 1) * stride >= in + pad) // PyTorch: the last window starts inside the input
        --out;
    padRight = (out - 1) * stride + kernel - in - pad;
    return out;
}

class Planner
{
public:
    Planner(const ResnetGraph& graph,
            PackedWeights& weights,
            const dnnl::engine& engine,
            dnnl::stream& stream,
            DataType activations)
        : m_graph(graph), m_weights(weights), m_engine(engine), m_stream(stream), m_type(activations)
    {}

    std::unique_ptr<Plan> build(std::int64_t batch, std::int64_t height, std::int64_t width)
    {
        auto plan = std::make_unique<Plan>();
        plan->batch = batch;
        plan->height = height;
        plan->width = width;
        const memory::desc inputDesc({batch, m_graph.spec.inputChannels, height, width}, DataType::f32,
                                     Tag::nchw);
        m_values.assign(static_cast<std::size_t>(m_graph.valueCount), {});
        m_uses.assign(m_values.size(), 0);
        for (const GraphOp& op : m_graph.ops) {
            ++m_uses[static_cast<std::size_t>(op.input)];
            if (op.residual >= 0)
                ++m_uses[static_cast<std::size_t>(op.residual)];
        }
        ++m_uses[static_cast<std::size_t>(m_graph.features)];
        m_values[0] = {inputDesc, externalInput};

        for (const GraphOp& op : m_graph.ops) {
            if (op.kind == OpKind::Conv)
                planConv(op);
            else
                planPool(op);
        }

        const memory::desc& last = m_values[static_cast<std::size_t>(m_graph.features)].desc;
        const Dims dims = last.dims();
        const memory::desc outputDesc(dims, DataType::f32, Tag::nchw);
        addReorder(m_graph.features, outputDesc, externalOutput);
        plan->outputDims.assign(dims.begin(), dims.end());
        finish(*plan, inputDesc, outputDesc);
        return plan;
    }

private:
    static constexpr int externalInput = -1;
    static constexpr int externalOutput = -2;

    struct Value
    {
        memory::desc desc;
        int buffer = 0;
    };
    struct PendingStep
    {
        dnnl::primitive primitive;
        std::vector<std::pair<int, int>> valueArgs; // DNNL_ARG_* -> value id
        std::unordered_map<int, memory> fixedArgs;  // weights, bias
        memory::desc scratchpad;                    // what the primitive needs, in the plan's buffer
    };

    // Each plan owns its scratchpad (shared by its steps, which run one after another): oneDNN's
    // library-managed one is not safe when two engine lanes run at the same time.
    static dnnl::primitive_attr userScratchpad(dnnl::primitive_attr attr = {})
    {
        attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        return attr;
    }

    int allocate(std::size_t bytes)
    {
        // The smallest free buffer that fits, else the largest free one (grown), else a new one.
        const auto size = [this](int id) { return m_bufferSizes[static_cast<std::size_t>(id)]; };
        auto chosen = m_free.end();
        for (auto it = m_free.begin(); it != m_free.end(); ++it) {
            if (chosen == m_free.end()) {
                chosen = it;
                continue;
            }
            const bool fits = size(*it) >= bytes, chosenFits = size(*chosen) >= bytes;
            if ((fits && (!chosenFits || size(*it) < size(*chosen))) ||
                (!fits && !chosenFits && size(*it) > size(*chosen)))
                chosen = it;
        }
        int id = 0;
        if (chosen != m_free.end()) {
            id = *chosen;
            m_free.erase(chosen);
        } else {
            id = static_cast<int>(m_bufferSizes.size());
            m_bufferSizes.push_back(0);
            m_live.push_back(0);
        }
        m_bufferSizes[static_cast<std::size_t>(id)] = std::max(size(id), bytes);
        return id;
    }

    int newValue(int id, const memory::desc& desc, int buffer)
    {
        if (buffer == -3)
            buffer = allocate(desc.get_size());
        m_values[static_cast<std::size_t>(id)] = {desc, buffer};
        if (buffer >= 0)
            ++m_live[static_cast<std::size_t>(buffer)];
        return id;
    }

    // A value the planner makes on its own (reorder results); appended past the graph's values.
    int tempValue()
    {
        m_values.push_back({});
        m_uses.push_back(0);
        return static_cast<int>(m_values.size()) - 1;
    }

    void consume(int value)
    {
        if (--m_uses[static_cast<std::size_t>(value)] > 0)
            return;
        const int buffer = m_values[static_cast<std::size_t>(value)].buffer;
        if (buffer >= 0 && --m_live[static_cast<std::size_t>(buffer)] == 0)
            m_free.push_back(buffer);
    }

    // Reorders `value` into `desc` in a new value (buffer -3: a fresh one); consumes one use of `value`.
    int addReorder(int value, const memory::desc& desc, int buffer = -3)
    {
        const int result = newValue(tempValue(), desc, buffer);
        const memory::desc& from = m_values[static_cast<std::size_t>(value)].desc;
        dnnl::reorder::primitive_desc pd(m_engine, from, m_engine, desc, userScratchpad());
        m_steps.push_back(
            {dnnl::reorder(pd), {{DNNL_ARG_FROM, value}, {DNNL_ARG_TO, result}}, {}, pd.scratchpad_desc()});
        consume(value);
        return result;
    }

    // `value` in layout `desc`: itself when it already is, else a reordered copy (one use taken over).
    int inLayout(int value, const memory::desc& desc)
    {
        if (m_values[static_cast<std::size_t>(value)].desc == desc)
            return value;
        const int copy = addReorder(value, desc); // takes over the caller's use of `value`
        ++m_uses[static_cast<std::size_t>(copy)];
        return copy;
    }

    void planConv(const GraphOp& op)
    {
        const FoldedConv& conv = m_graph.convs[static_cast<std::size_t>(op.conv)];
        const Dims in = m_values[static_cast<std::size_t>(op.input)].desc.dims();
        const std::int64_t kernel = conv.weight.size(2);
        std::int64_t padRightH = 0, padRightW = 0;
        const std::int64_t outH = windowOutput(in[2], kernel, conv.stride, conv.padding, false, padRightH);
        const std::int64_t outW = windowOutput(in[3], kernel, conv.stride, conv.padding, false, padRightW);
        const std::int64_t outChannels = conv.weight.size(0);

        const memory::desc src(in, m_type, Tag::any);
        const memory::desc weights(weightDims(conv), m_type, Tag::any);
        const memory::desc bias({outChannels}, DataType::f32, Tag::a);
        const memory::desc dst({in[0], outChannels, outH, outW}, m_type, Tag::any);
        dnnl::post_ops postOps;
        if (op.residual >= 0)
            postOps.append_sum(1.f);
        if (op.relu)
            postOps.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
        dnnl::primitive_attr attr = userScratchpad();
        attr.set_post_ops(postOps);
        const auto describe = [&](dnnl::algorithm algorithm) {
            return dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, algorithm, src,
                                                   weights, bias, dst, {conv.stride, conv.stride},
                                                   {conv.padding, conv.padding}, {padRightH, padRightW});
        };
        // Winograd F(4x4, 3x3) for the float32 3x3 stride-1 convs, where oneDNN has it: measured 15 %
        // more forward throughput on resnet50 with outputs still within the exact mode's 1e-4 relative
        // (tests/inference). bfloat16 has no Winograd kernel; others fall back to direct.
        const dnnl::convolution_forward::primitive_desc pd = [&] {
            if (kernel == 3 && conv.stride == 1 && m_type == DataType::f32) {
                try {
                    return dnnl::convolution_forward::primitive_desc(
                        describe(dnnl::algorithm::convolution_winograd), attr, m_engine);
                } catch (const dnnl::error&) {
                }
            }
            return dnnl::convolution_forward::primitive_desc(describe(dnnl::algorithm::convolution_direct),
                                                             attr, m_engine);
        }();

        const int input = inLayout(op.input, pd.src_desc());
        int output = 0;
        if (op.residual >= 0) {
            // The sum post-op accumulates into dst: start dst as the shortcut, in its own buffer when
            // nothing else reads the shortcut afterwards.
            const Value& shortcut = m_values[static_cast<std::size_t>(op.residual)];
            const bool inPlace = shortcut.desc == pd.dst_desc() &&
                                 m_uses[static_cast<std::size_t>(op.residual)] == 1 && shortcut.buffer >= 0;
            int residual = op.residual;
            if (!inPlace) {
                residual = addReorder(op.residual, pd.dst_desc());
                ++m_uses[static_cast<std::size_t>(residual)];
            }
            output = newValue(op.output, pd.dst_desc(), m_values[static_cast<std::size_t>(residual)].buffer);
            consume(residual);
        } else {
            output = newValue(op.output, pd.dst_desc(), -3);
        }
        PendingStep step{dnnl::convolution_forward(pd),
                         {{DNNL_ARG_SRC, input}, {DNNL_ARG_DST, output}},
                         {},
                         pd.scratchpad_desc()};
        step.fixedArgs.emplace(DNNL_ARG_WEIGHTS, m_weights.weights(op.conv, pd.weights_desc(), m_stream));
        step.fixedArgs.emplace(DNNL_ARG_BIAS, m_weights.bias(op.conv));
        m_steps.push_back(std::move(step));
        consume(input);
    }

    void planPool(const GraphOp& op)
    {
        const memory::desc& src = m_values[static_cast<std::size_t>(op.input)].desc;
        const Dims in = src.dims();
        const bool max = op.kind == OpKind::MaxPool;
        const std::int64_t kernel = max ? 3 : 2, stride = 2, pad = max ? 1 : 0;
        std::int64_t padRightH = 0, padRightW = 0;
        const std::int64_t outH = windowOutput(in[2], kernel, stride, pad, !max, padRightH);
        const std::int64_t outW = windowOutput(in[3], kernel, stride, pad, !max, padRightW);
        const memory::desc dst({in[0], in[1], outH, outW}, m_type, Tag::any);
        const dnnl::pooling_forward::desc desc(
            dnnl::prop_kind::forward_inference,
            max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding, src, dst,
            {stride, stride}, {kernel, kernel}, {pad, pad}, {padRightH, padRightW});
        const dnnl::pooling_forward::primitive_desc pd(desc, userScratchpad(), m_engine);
        const int output = newValue(op.output, pd.dst_desc(), -3);
        m_steps.push_back({dnnl::pooling_forward(pd),
                           {{DNNL_ARG_SRC, op.input}, {DNNL_ARG_DST, output}},
                           {},
                           pd.scratchpad_desc()});
        consume(op.input);
    }

    void finish(Plan& plan, const memory::desc& inputDesc, const memory::desc& outputDesc)
    {
        for (std::size_t size : m_bufferSizes)
            plan.buffers.push_back(alignedBuffer(size));
        plan.input = memory(inputDesc, m_engine, DNNL_MEMORY_NONE);
        plan.output = memory(outputDesc, m_engine, DNNL_MEMORY_NONE);
        std::vector<memory> memories(m_values.size());
        const auto memoryOf = [&](int value) -> memory {
            const Value& v = m_values[static_cast<std::size_t>(value)];
            if (v.buffer == externalInput)
                return plan.input;
            if (v.buffer == externalOutput)
                return plan.output;
            memory& m = memories[static_cast<std::size_t>(value)];
            if (!m)
                m = memory(v.desc, m_engine, plan.buffers[static_cast<std::size_t>(v.buffer)].get());
            return m;
        };
        std::size_t scratchpadBytes = 0;
        for (const PendingStep& pending : m_steps)
            scratchpadBytes = std::max(scratchpadBytes, pending.scratchpad.get_size());
        plan.buffers.push_back(alignedBuffer(scratchpadBytes));
        void* scratchpad = plan.buffers.back().get();
        for (PendingStep& pending : m_steps) {
            PlanStep step{std::move(pending.primitive), std::move(pending.fixedArgs)};
            for (const auto& [arg, value] : pending.valueArgs)
                step.args.emplace(arg, memoryOf(value));
            if (pending.scratchpad.get_size() > 0)
                step.args.emplace(DNNL_ARG_SCRATCHPAD, memory(pending.scratchpad, m_engine, scratchpad));
            plan.steps.push_back(std::move(step));
        }
    }

    const ResnetGraph& m_graph;
    PackedWeights& m_weights;
    dnnl::engine m_engine;
    dnnl::stream& m_stream;
    DataType m_type;
    std::vector<Value> m_values;
    std::vector<int> m_uses;
    std::vector<std::size_t> m_bufferSizes;
    std::vector<int> m_live;
    std::vector<int> m_free;
    std::vector<PendingStep> m_steps;
};

} // namespace

PackedWeights::PackedWeights(const ResnetGraph& graph, const dnnl::engine& engine)
    : m_graph(graph), m_engine(engine), m_packed(graph.convs.size())
{
    for (const FoldedConv& conv : graph.convs) {
        const memory::desc desc({conv.bias.size(0)}, DataType::f32, Tag::a);
        m_bias.emplace_back(desc, m_engine, conv.bias.data_ptr());
    }
}

const memory& PackedWeights::weights(int conv, const memory::desc& layout, dnnl::stream& stream)
{
    std::vector<memory>& packs = m_packed[static_cast<std::size_t>(conv)];
    for (const memory& packed : packs) {
        if (packed.get_desc() == layout)
            return packed;
    }
    const FoldedConv& folded = m_graph.convs[static_cast<std::size_t>(conv)];
    const memory::desc plainDesc(weightDims(folded), DataType::f32,
                                 folded.groups == 1 ? Tag::oihw : Tag::goihw);
    memory plain(plainDesc, m_engine, folded.weight.data_ptr());
    memory packed(layout, m_engine);
    dnnl::reorder(plain, packed).execute(stream, plain, packed);
    stream.wait();
    packs.push_back(packed);
    return packs.back();
}

std::unique_ptr<Plan> buildPlan(const ResnetGraph& graph,
                                PackedWeights& weights,
                                const dnnl::engine& engine,
                                dnnl::stream& stream,
                                memory::data_type activations,
                                std::int64_t batch,
                                std::int64_t height,
                                std::int64_t width)
{
    return Planner(graph, weights, engine, stream, activations).build(batch, height, width);
}

void runPlan(Plan& plan, dnnl::stream& stream, const float* input, float* output)
{
    plan.input.set_data_handle(const_cast<float*>(input)); // read only: the first step's source
    plan.output.set_data_handle(output);
    for (PlanStep& step : plan.steps)
        step.primitive.execute(stream, step.args);
    stream.wait();
}

} // namespace mwb
