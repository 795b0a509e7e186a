#include "input_limits.h"
#include "model/model_internal.h"
#include "util/exception_text.h"
#include "weights/weight_reader.h"

#include <random>

#include <ATen/ops/cross_entropy_loss.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>
#include <torch/utils.h>

namespace mwb {

Model::Model(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Model::~Model() = default;

Result<std::unique_ptr<Model>>
Model::create(const nlohmann::json& effectiveConfig, const std::string& className, const std::string& task)
{
    auto impl = std::make_unique<Impl>();
    try {
        impl->config = effectiveConfig;
        impl->modelType = effectiveConfig.value("model_type", "resnet");
        impl->className = className;
        impl->task = task;
        impl->spec = ResnetSpec::fromConfig(effectiveConfig);
        // Estimated before a single parameter is allocated, whichever path built the config.
        if (const std::string refusal = modelSizeRefusal(countParameters(impl->spec).total());
            !refusal.empty())
            return fail(ErrorKind::InvalidInput, "cannot build " + className + ": " + refusal);
        impl->net = ResnetNet(impl->spec);
        impl->net->eval();
    } catch (const std::exception& e) {
        // json errors for a config that skipped validation; c10::Error or bad_alloc for a huge one.
        return fail(ErrorKind::InvalidInput, "cannot build " + className + " from this config: " + e.what());
    }
    std::unique_ptr<Model> model(new Model(std::move(impl)));
    model->initializeWeights(std::random_device{}());
    return model;
}

Result<std::unique_ptr<Model>> Model::clone() const
{
    auto copy = create(m_impl->config, m_impl->className, m_impl->task);
    if (!copy)
        return copy;
    try {
        torch::NoGradGuard noGrad;
        TensorList source = modelStateDict(*this, /*wrapperPrefix=*/false);
        TensorList target = modelStateDict(**copy, /*wrapperPrefix=*/false);
        for (std::size_t i = 0; i < target.size() && i < source.size(); ++i)
            target[i].tensor.copy_(source[i].tensor);
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidInput,
                    "cannot copy the weights of " + m_impl->className + ": " + e.what());
    }
    return copy;
}

const nlohmann::json& Model::config() const
{
    return m_impl->config;
}

const std::string& Model::modelType() const
{
    return m_impl->modelType;
}

const std::string& Model::className() const
{
    return m_impl->className;
}

const std::string& Model::task() const
{
    return m_impl->task;
}

std::uint64_t Model::parameterCount() const
{
    std::uint64_t count = 0;
    for (const at::Tensor& p : m_impl->net->parameters())
        count += static_cast<std::uint64_t>(p.numel());
    return count;
}

Result<ModelSummary> Model::summary(std::int64_t height, std::int64_t width) const
{
    if (height < 1 || width < 1 || height > 65536 || width > 65536) {
        return fail(ErrorKind::InvalidInput, "input size " + std::to_string(height) + "x" +
                                                 std::to_string(width) +
                                                 " is not valid; height and width must be 1 to 65536");
    }
    return summarize(m_impl->spec, height, width);
}

void Model::initializeWeights(std::uint64_t seed)
{
    m_impl->net->initializeWeights(seed);
}

TensorList modelStateDict(const Model& model, bool wrapperPrefix)
{
    TensorList out;
    for (auto& [name, tensor] : orderedStateDict(resnetModule(model)))
        out.push_back({wrapperPrefix ? "model." + name : name, tensor});
    return out;
}

std::string dtypeName(const at::Tensor& tensor)
{
    switch (tensor.scalar_type()) {
    case at::kDouble:
        return "F64";
    case at::kFloat:
        return "F32";
    case at::kHalf:
        return "F16";
    case at::kBFloat16:
        return "BF16";
    case at::kLong:
        return "I64";
    case at::kInt:
        return "I32";
    case at::kShort:
        return "I16";
    case at::kChar:
        return "I8";
    case at::kByte:
        return "U8";
    case at::kBool:
        return "BOOL";
    default:
        return std::string(c10::toString(tensor.scalar_type()));
    }
}

Result<ForwardOutputs> runForward(const Model& model, const at::Tensor& pixelValues)
{
    const ResnetSpec& spec = ModelAccess::impl(model).spec;
    if (!pixelValues.defined() || pixelValues.dim() != 4) {
        return fail(
            ErrorKind::InvalidInput,
            "pixel_values: expected a 4-D tensor (N, C, H, W), got shape " +
                formatShape(pixelValues.defined() ? pixelValues.sizes().vec() : std::vector<std::int64_t>{}));
    }
    if (!at::isFloatingType(pixelValues.scalar_type()))
        return fail(ErrorKind::InvalidInput,
                    "pixel_values: expected floating-point values, got " + dtypeName(pixelValues));
    if (pixelValues.size(1) != spec.inputChannels) {
        return fail(ErrorKind::InvalidInput, "pixel_values: the model takes " +
                                                 std::to_string(spec.inputChannels) +
                                                 " input channels (input_channels), the tensor has " +
                                                 std::to_string(pixelValues.size(1)) + " (shape " +
                                                 formatShape(pixelValues.sizes().vec()) + ")");
    }
    if (pixelValues.numel() == 0)
        return fail(ErrorKind::InvalidInput,
                    "pixel_values: the tensor is empty, shape " + formatShape(pixelValues.sizes().vec()));
    try {
        ResnetNetImpl& net = resnetModule(model);
        net.eval();
        ForwardOutputs out;
        out.features = net.forwardFeatures(pixelValues.to(at::kFloat).contiguous());
        out.logits = net.forwardHead(out.features);
        return out;
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidInput, "forward failed: " + exceptionReason(e));
    }
}

Result<at::Tensor> classificationLoss(const at::Tensor& logits, const at::Tensor& labels)
{
    if (labels.dim() != 1 || logits.dim() != 2 || labels.size(0) != logits.size(0)) {
        return fail(ErrorKind::InvalidInput, "labels: expected one class index per image, shape [" +
                                                 std::to_string(logits.dim() ? logits.size(0) : 0) +
                                                 "], got " + formatShape(labels.sizes().vec()));
    }
    try {
        return at::cross_entropy_loss(logits, labels.to(at::kLong), /*weight=*/{}, at::Reduction::Mean,
                                      /*ignore_index=*/-100, /*label_smoothing=*/0.0);
    } catch (const c10::Error& e) {
        return fail(ErrorKind::InvalidInput, std::string("labels: ") + e.what_without_backtrace());
    }
}

Result<void> Model::forwardSafetensors(const QString& inputPath, const QString& outputPath) const
{
    auto tensors = readWeights(inputPath);
    if (!tensors)
        return std::unexpected(tensors.error());
    const auto it = std::ranges::find(*tensors, std::string("pixel_values"), &NamedTensor::name);
    if (it == tensors->end()) {
        std::string names;
        for (const NamedTensor& t : *tensors)
            names += (names.empty() ? "" : ", ") + t.name;
        return fail(ErrorKind::InvalidInput,
                    inputPath.toStdString() +
                        ": no tensor named pixel_values (found: " + (names.empty() ? "none" : names) + ")");
    }
    c10::InferenceMode inference;
    auto out = runForward(*this, it->tensor);
    if (!out)
        return fail(out.error().kind, inputPath.toStdString() + ": " + out.error().message);
    return writeSafetensors(outputPath,
                            {{"logits", out->logits.contiguous()}, {"features", out->features.contiguous()}});
}

} // namespace mwb
