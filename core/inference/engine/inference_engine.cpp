#include "inference/engine/dnnl_plan.h"
#include "inference/engine/engine_internal.h"
#include "inference/engine/resnet_graph.h"
#include "util/exception_text.h"
#include "weights/weight_reader.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <c10/core/InferenceMode.h>

namespace mwb {

// The classifier head (pooled features x fc.weight^T + fc.bias) as a oneDNN matmul for one batch
// size. at::linear would call Debian's reference BLAS, which costs milliseconds per image.
struct HeadPlan
{
    std::int64_t batch = 0;
    dnnl::matmul primitive;
    dnnl::memory src, weights, bias, dst, scratchpad;
    std::shared_ptr<void> scratchpadBuffer; // the lane's own (see Plan: no library scratchpad)
};

// One independent runner of the engine: its own stream, primitives and activation buffers, run by
// one caller at a time with `threads` OpenMP threads. Lanes share the packed weights (read-only).
struct EngineLane
{
    int threads = 1;
    dnnl::stream stream;
    std::vector<std::unique_ptr<Plan>> plans; // most recently used last
    std::vector<HeadPlan> heads;              // one per batch size seen, at most maxPlans
    std::mutex mutex;

    static constexpr std::size_t maxPlans = 4;
};

struct InferenceEngine::Impl
{
    EngineOptions options;
    ResnetGraph graph;
    dnnl::engine cpu{dnnl::engine::kind::cpu, 0};
    std::unique_ptr<PackedWeights> weights;
    std::mutex weightsMutex; // plan building reads and extends the packed layouts
    // lanes[0] runs with all the engine's threads; lanes[1..threads] with one thread each.
    std::vector<std::unique_ptr<EngineLane>> lanes;

    dnnl::memory::data_type activationType() const
    {
        return options.precision == Precision::Fast ? dnnl::memory::data_type::bf16
                                                    : dnnl::memory::data_type::f32;
    }

    EngineLane& lane(int index) { return *lanes.at(static_cast<std::size_t>(index)); }

    // The calling thread's OpenMP team size is per thread: set it where the run happens.
    static void useThreads(const EngineLane& lane)
    {
        if (at::get_num_threads() != lane.threads)
            at::set_num_threads(lane.threads);
    }

    Plan& plan(EngineLane& lane, std::int64_t batch, std::int64_t height, std::int64_t width)
    {
        auto& plans = lane.plans;
        const auto it = std::ranges::find_if(plans, [&](const std::unique_ptr<Plan>& p) {
            return p->batch == batch && p->height == height && p->width == width;
        });
        if (it != plans.end()) {
            std::rotate(it, it + 1, plans.end());
            return *plans.back();
        }
        if (plans.size() >= EngineLane::maxPlans)
            plans.erase(plans.begin());
        std::lock_guard lock(weightsMutex);
        plans.push_back(buildPlan(graph, *weights, cpu, lane.stream, activationType(), batch, height, width));
        return *plans.back();
    }

    HeadPlan& head(EngineLane& lane, std::int64_t batch)
    {
        auto& heads = lane.heads;
        const auto it = std::ranges::find(heads, batch, &HeadPlan::batch);
        if (it != heads.end())
            return *it;
        if (heads.size() >= EngineLane::maxPlans)
            heads.erase(heads.begin());
        using dnnl::memory;
        const std::int64_t classes = graph.fcWeight.size(0), features = graph.fcWeight.size(1);
        const memory::desc src({batch, features}, memory::data_type::f32, memory::format_tag::ab);
        // fc.weight is [classes, features] row-major: the [features, classes] matrix in "ba" order.
        const memory::desc weightsDesc({features, classes}, memory::data_type::f32, memory::format_tag::ba);
        const memory::desc bias({1, classes}, memory::data_type::f32, memory::format_tag::ab);
        const memory::desc dst({batch, classes}, memory::data_type::f32, memory::format_tag::ab);
        dnnl::primitive_attr attr;
        attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, weightsDesc, bias, dst), attr, cpu);
        HeadPlan plan;
        const std::size_t scratchpadBytes = (pd.scratchpad_desc().get_size() + 63) / 64 * 64;
        if (scratchpadBytes > 0) {
            plan.scratchpadBuffer.reset(std::aligned_alloc(64, scratchpadBytes), std::free);
            if (!plan.scratchpadBuffer)
                throw std::bad_alloc();
            plan.scratchpad = memory(pd.scratchpad_desc(), cpu, plan.scratchpadBuffer.get());
        }
        plan.batch = batch;
        plan.primitive = dnnl::matmul(pd);
        plan.src = memory(src, cpu, DNNL_MEMORY_NONE);
        plan.weights = memory(weightsDesc, cpu, graph.fcWeight.data_ptr());
        plan.bias = memory(bias, cpu, graph.fcBias.data_ptr());
        plan.dst = memory(dst, cpu, DNNL_MEMORY_NONE);
        heads.push_back(std::move(plan));
        return heads.back();
    }

    // logits [batch, classes] = pooled [batch, features] x fc.weight^T + fc.bias, in float32.
    void runHead(EngineLane& lane, const at::Tensor& pooled, at::Tensor& logits)
    {
        HeadPlan& h = head(lane, pooled.size(0));
        h.src.set_data_handle(pooled.data_ptr());
        h.dst.set_data_handle(logits.data_ptr());
        std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, h.src},
                                                   {DNNL_ARG_WEIGHTS, h.weights},
                                                   {DNNL_ARG_BIAS, h.bias},
                                                   {DNNL_ARG_DST, h.dst}};
        if (h.scratchpad)
            args.emplace(DNNL_ARG_SCRATCHPAD, h.scratchpad);
        h.primitive.execute(lane.stream, args);
        lane.stream.wait();
    }
};

struct EngineAccess
{
    static InferenceEngine::Impl& impl(InferenceEngine& engine) { return *engine.m_impl; }
};

namespace {

std::string shapeText(const at::Tensor& t)
{
    std::string text = "[";
    for (std::int64_t i = 0; i < t.dim(); ++i)
        text += (i ? ", " : "") + std::to_string(t.size(i));
    return text + "]";
}

Result<void> checkInput(const at::Tensor& pixels, int channels)
{
    if (!pixels.defined() || pixels.dim() != 4)
        return fail(ErrorKind::InvalidInput, "pixel_values: expected a 4-D tensor (N, C, H, W), got shape " +
                                                 (pixels.defined() ? shapeText(pixels) : std::string("[]")));
    if (!at::isFloatingType(pixels.scalar_type()))
        return fail(ErrorKind::InvalidInput,
                    "pixel_values: expected floating-point values, got " + dtypeName(pixels));
    if (pixels.size(1) != channels)
        return fail(ErrorKind::InvalidInput, "pixel_values: the model takes " + std::to_string(channels) +
                                                 " input channels (input_channels), the tensor has " +
                                                 std::to_string(pixels.size(1)) + " (shape " +
                                                 shapeText(pixels) + ")");
    if (pixels.numel() == 0)
        return fail(ErrorKind::InvalidInput, "pixel_values: the tensor is empty, shape " + shapeText(pixels));
    return {};
}

} // namespace

InferenceEngine::InferenceEngine(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
InferenceEngine::~InferenceEngine() = default;

Result<std::unique_ptr<InferenceEngine>> InferenceEngine::build(const Model& model,
                                                                const EngineOptions& options)
{
    auto threads = resolveThreadCount(options.threads);
    if (!threads)
        return std::unexpected(threads.error());
    if (options.precision == Precision::Fast && !fastPrecisionSupport().available)
        return fail(ErrorKind::InvalidInput,
                    "fast precision is unavailable on this machine: " + fastPrecisionSupport().detail);
    auto graph = buildResnetGraph(model);
    if (!graph)
        return std::unexpected(graph.error());
    try {
        auto impl = std::make_unique<Impl>();
        impl->options = options;
        impl->options.threads = *threads;
        impl->graph = std::move(*graph);
        impl->weights = std::make_unique<PackedWeights>(impl->graph, impl->cpu);
        for (int lane = 0; lane <= *threads; ++lane) {
            impl->lanes.push_back(std::make_unique<EngineLane>());
            impl->lanes.back()->threads = lane == 0 ? *threads : 1;
            impl->lanes.back()->stream = dnnl::stream(impl->cpu);
        }
        return std::unique_ptr<InferenceEngine>(new InferenceEngine(std::move(impl)));
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidInput,
                    std::string("building the inference engine: ") + exceptionReason(e));
    }
}

Precision InferenceEngine::precision() const
{
    return m_impl->options.precision;
}

int InferenceEngine::threads() const
{
    return m_impl->options.threads;
}

int InferenceEngine::inputChannels() const
{
    return m_impl->graph.spec.inputChannels;
}

int InferenceEngine::numClasses() const
{
    return m_impl->graph.spec.numClasses;
}

std::string InferenceEngine::description() const
{
    const std::string threadText = std::to_string(threads()) + (threads() == 1 ? " thread" : " threads");
    if (precision() == Precision::Fast)
        return "fast (bfloat16, oneDNN), " + threadText;
    return "exact (float32, oneDNN), " + threadText;
}

Result<void> InferenceEngine::prepare(int batch, int height, int width)
{
    if (batch < 1 || height < 1 || width < 1)
        return fail(ErrorKind::InvalidInput, "input size: expected a positive batch, height and width");
    try {
        EngineLane& lane = m_impl->lane(0);
        std::lock_guard lock(lane.mutex);
        Impl::useThreads(lane);
        m_impl->plan(lane, batch, height, width);
        return {};
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidInput,
                    std::string("preparing the inference engine: ") + exceptionReason(e));
    }
}

Result<std::vector<float>>
InferenceEngine::logits(const float* pixels, int batch, int channels, int height, int width)
{
    try {
        c10::InferenceMode inference;
        const at::Tensor input =
            at::from_blob(const_cast<float*>(pixels), {batch, channels, height, width}, at::kFloat);
        auto out = engineForward(*this, input, false);
        if (!out)
            return std::unexpected(out.error());
        const at::Tensor logits = out->logits.contiguous();
        const float* data = logits.data_ptr<float>();
        return std::vector<float>(data, data + logits.numel());
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidInput, std::string("forward failed: ") + exceptionReason(e));
    }
}

Result<ForwardOutputs>
engineForward(InferenceEngine& engine, const at::Tensor& pixelValues, bool wantFeatures, int laneIndex)
{
    InferenceEngine::Impl& impl = EngineAccess::impl(engine);
    if (auto ok = checkInput(pixelValues, impl.graph.spec.inputChannels); !ok)
        return std::unexpected(ok.error());
    if (laneIndex < 0 || laneIndex > engine.threads())
        return fail(ErrorKind::InvalidInput, "engine lane " + std::to_string(laneIndex) + " does not exist");
    try {
        const at::Tensor input = pixelValues.to(at::kFloat).contiguous();
        EngineLane& lane = impl.lane(laneIndex);
        std::lock_guard lock(lane.mutex);
        InferenceEngine::Impl::useThreads(lane);
        Plan& plan = impl.plan(lane, input.size(0), input.size(2), input.size(3));
        ForwardOutputs out;
        out.features = at::empty(plan.outputDims, at::kFloat);
        runPlan(plan, lane.stream, input.data_ptr<float>(), out.features.data_ptr<float>());
        const at::Tensor pooled = out.features.mean({2, 3}).contiguous();
        if (impl.graph.fcWeight.defined()) {
            out.logits = at::empty({pooled.size(0), impl.graph.fcWeight.size(0)}, at::kFloat);
            impl.runHead(lane, pooled, out.logits);
        } else {
            out.logits = pooled;
        }
        if (!wantFeatures)
            out.features = at::Tensor();
        return out;
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidInput, std::string("forward failed: ") + exceptionReason(e));
    }
}

Result<void> forwardSafetensorsFile(const Model& model,
                                    const EngineOptions& options,
                                    const std::string& inputPath,
                                    const std::string& outputPath)
{
    auto tensors = readWeights(QString::fromStdString(inputPath));
    if (!tensors)
        return std::unexpected(tensors.error());
    const auto it = std::ranges::find(*tensors, std::string("pixel_values"), &NamedTensor::name);
    if (it == tensors->end()) {
        std::string names;
        for (const NamedTensor& t : *tensors)
            names += (names.empty() ? "" : ", ") + t.name;
        return fail(ErrorKind::InvalidInput, inputPath + ": no tensor named pixel_values (found: " +
                                                 (names.empty() ? "none" : names) + ")");
    }
    auto engine = InferenceEngine::build(model, options);
    if (!engine)
        return std::unexpected(engine.error());
    c10::InferenceMode inference;
    auto out = engineForward(**engine, it->tensor, true);
    if (!out)
        return fail(out.error().kind, inputPath + ": " + out.error().message);
    return writeSafetensors(QString::fromStdString(outputPath),
                            {{"logits", out->logits.contiguous()}, {"features", out->features.contiguous()}});
}

} // namespace mwb
