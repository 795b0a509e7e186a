#include "inference/engine/dnnl_plan.h"
#include "inference/engine/engine_internal.h"
#include "inference/engine/resnet_graph.h"
#include "weights/weight_reader.h"

#include <algorithm>
#include <mutex>

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/linear.h>
#include <c10/core/InferenceMode.h>

namespace mwb {

struct InferenceEngine::Impl
{
    EngineOptions options;
    ResnetGraph graph;
    dnnl::engine cpu{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream{cpu};
    std::unique_ptr<PackedWeights> weights;
    std::vector<std::unique_ptr<Plan>> plans; // most recently used last
    std::mutex mutex;

    static constexpr std::size_t maxPlans = 4;

    dnnl::memory::data_type activationType() const
    {
        return options.precision == Precision::Fast ? dnnl::memory::data_type::bf16
                                                    : dnnl::memory::data_type::f32;
    }

    // The calling thread's OpenMP team size is per thread: set it where the run happens.
    void useThreads() const
    {
        if (at::get_num_threads() != options.threads)
            at::set_num_threads(options.threads);
    }

    Plan& plan(std::int64_t batch, std::int64_t height, std::int64_t width)
    {
        const auto it = std::ranges::find_if(plans, [&](const std::unique_ptr<Plan>& p) {
            return p->batch == batch && p->height == height && p->width == width;
        });
        if (it != plans.end()) {
            std::rotate(it, it + 1, plans.end());
            return *plans.back();
        }
        if (plans.size() >= maxPlans)
            plans.erase(plans.begin());
        plans.push_back(buildPlan(graph, *weights, cpu, stream, activationType(), batch, height, width));
        return *plans.back();
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
        return std::unique_ptr<InferenceEngine>(new InferenceEngine(std::move(impl)));
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidInput, std::string("building the inference engine: ") + e.what());
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
        std::lock_guard lock(m_impl->mutex);
        m_impl->useThreads();
        m_impl->plan(batch, height, width);
        return {};
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidInput, std::string("preparing the inference engine: ") + e.what());
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
        return fail(ErrorKind::InvalidInput, std::string("forward failed: ") + e.what());
    }
}

Result<ForwardOutputs>
engineForward(InferenceEngine& engine, const at::Tensor& pixelValues, bool wantFeatures)
{
    InferenceEngine::Impl& impl = EngineAccess::impl(engine);
    if (auto ok = checkInput(pixelValues, impl.graph.spec.inputChannels); !ok)
        return std::unexpected(ok.error());
    try {
        const at::Tensor input = pixelValues.to(at::kFloat).contiguous();
        std::lock_guard lock(impl.mutex);
        impl.useThreads();
        Plan& plan = impl.plan(input.size(0), input.size(2), input.size(3));
        ForwardOutputs out;
        out.features = at::empty(plan.outputDims, at::kFloat);
        runPlan(plan, impl.stream, input.data_ptr<float>(), out.features.data_ptr<float>());
        // The head in float32 with ATen, as the training module computes it.
        const at::Tensor pooled = out.features.mean({2, 3});
        out.logits = impl.graph.fcWeight.defined()
                         ? at::linear(pooled, impl.graph.fcWeight, impl.graph.fcBias)
                         : pooled;
        if (!wantFeatures)
            out.features = at::Tensor();
        return out;
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidInput, std::string("forward failed: ") + e.what());
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
