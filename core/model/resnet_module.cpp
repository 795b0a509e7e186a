#include "model/resnet_module.h"

#include <cmath>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/utils.h>

namespace mwb {

namespace {

namespace nn = torch::nn;

nn::Conv2d convolution(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t groups = 1)
{
    // timm pads every 3x3 by 1 and the 7x7 stem conv by 3; 1x1 convs are unpadded. No bias anywhere.
    return nn::Conv2d(
        nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).groups(groups).bias(false));
}

nn::BatchNorm2d batchNorm(int64_t channels)
{
    nn::BatchNorm2d bn{nn::BatchNorm2dOptions(channels)}; // eps 1e-5, momentum 0.1 as PyTorch
    // PyTorch's num_batches_tracked is a 0-dim int64 scalar; make sure LibTorch's is too.
    if (bn->num_batches_tracked.dim() != 0)
        bn->num_batches_tracked.resize_({});
    return bn;
}

// timm's downsample_conv ({0: conv, 1: BN}) or downsample_avg ({0: Identity or AvgPool, 1: conv, 2: BN}).
nn::Sequential downsampleBranch(bool avgDown, int64_t in, int64_t out, int64_t stride)
{
    if (!avgDown)
        return nn::Sequential(convolution(in, out, 1, stride), batchNorm(out));
    nn::Sequential branch;
    if (stride == 1)
        branch->push_back(nn::Identity());
    else
        branch->push_back(
            nn::AvgPool2d(nn::AvgPool2dOptions(2).stride(2).ceil_mode(true).count_include_pad(false)));
    branch->push_back(convolution(in, out, 1));
    branch->push_back(batchNorm(out));
    return branch;
}

} // namespace

ResnetBlockImpl::ResnetBlockImpl(
    const ResnetSpec& spec, int64_t inplanes, int64_t planes, int64_t stride, bool downsample)
    : m_bottleneck(spec.blockType == BlockType::Bottleneck)
{
    const int64_t outplanes = planes * spec.expansion();
    if (m_bottleneck) {
        const int64_t width = spec.bottleneckWidth(static_cast<int>(planes));
        m_conv1 = register_module("conv1", convolution(inplanes, width, 1));
        m_bn1 = register_module("bn1", batchNorm(width));
        m_conv2 = register_module("conv2", convolution(width, width, 3, stride, spec.cardinality));
        m_bn2 = register_module("bn2", batchNorm(width));
        m_conv3 = register_module("conv3", convolution(width, outplanes, 1));
        m_bn3 = register_module("bn3", batchNorm(outplanes));
    } else {
        m_conv1 = register_module("conv1", convolution(inplanes, planes, 3, stride));
        m_bn1 = register_module("bn1", batchNorm(planes));
        m_conv2 = register_module("conv2", convolution(planes, planes, 3));
        m_bn2 = register_module("bn2", batchNorm(planes));
    }
    if (downsample)
        m_downsample =
            register_module("downsample", downsampleBranch(spec.avgDown, inplanes, outplanes, stride));
}

at::Tensor ResnetBlockImpl::forward(at::Tensor x)
{
    at::Tensor shortcut = m_downsample ? m_downsample->forward(x) : x;
    at::Tensor y = m_bn1(m_conv1(x)).relu_();
    y = m_bn2(m_conv2(y));
    if (m_bottleneck)
        y = m_bn3(m_conv3(y.relu_()));
    return y.add_(shortcut).relu_();
}

ResnetNetImpl::ResnetNetImpl(const ResnetSpec& spec) : m_spec(spec)
{
    const int64_t in = spec.inputChannels;
    if (spec.stemType == StemType::Plain) {
        m_stemConv = register_module(
            "conv1", nn::Conv2d(nn::Conv2dOptions(in, 64, 7).stride(2).padding(3).bias(false)));
    } else {
        const int64_t sw = spec.stemWidth;
        const int64_t first = spec.stemType == StemType::DeepTiered ? 3 * (sw / 4) : sw;
        // Indices 2 and 5 are the ReLUs; the stem's last BN and ReLU are the top-level bn1/act1.
        m_stemDeep =
            register_module("conv1", nn::Sequential(convolution(in, first, 3, 2), batchNorm(first),
                                                    nn::ReLU(), convolution(first, sw, 3), batchNorm(sw),
                                                    nn::ReLU(), convolution(sw, 2 * sw, 3)));
    }
    m_bn1 = register_module("bn1", batchNorm(spec.stemChannels()));
    m_maxpool = register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));

    int64_t inplanes = spec.stemChannels();
    for (size_t stage = 0; stage < 4; ++stage) {
        const int64_t planes = ResnetSpec::stagePlanes[stage];
        const int64_t outplanes = planes * spec.expansion();
        const int64_t stride = stage == 0 ? 1 : 2;
        nn::Sequential blocks;
        for (int b = 0; b < spec.layers[stage]; ++b) {
            const bool first = b == 0;
            const bool downsample = first && (stride != 1 || inplanes != outplanes);
            blocks->push_back(ResnetBlock(spec, inplanes, planes, first ? stride : 1, downsample));
            inplanes = outplanes;
        }
        m_stages.push_back(register_module("layer" + std::to_string(stage + 1), blocks));
    }
    if (spec.numClasses > 0)
        m_fc = register_module("fc", nn::Linear(spec.numFeatures(), spec.numClasses));
}

at::Tensor ResnetNetImpl::forwardFeatures(const at::Tensor& pixelValues)
{
    at::Tensor x = m_stemConv ? m_stemConv(pixelValues) : m_stemDeep->forward(pixelValues);
    x = m_maxpool(m_bn1(x).relu_());
    for (nn::Sequential& stage : m_stages)
        x = stage->forward(x);
    return x;
}

at::Tensor ResnetNetImpl::forwardHead(const at::Tensor& features)
{
    at::Tensor pooled = features.mean({2, 3});
    return m_fc ? m_fc(pooled) : pooled;
}

void ResnetNetImpl::initializeWeights(uint64_t seed)
{
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    torch::NoGradGuard noGrad;
    for (const std::shared_ptr<nn::Module>& module : modules()) {
        if (auto* conv = module->as<nn::Conv2d>()) {
            const auto& w = conv->weight;
            const double fanOut = static_cast<double>(w.size(0) * w.size(2) * w.size(3));
            w.normal_(0.0, std::sqrt(2.0 / fanOut), generator);
        } else if (auto* bn = module->as<nn::BatchNorm2d>()) {
            bn->weight.fill_(1.0);
            bn->bias.zero_();
            bn->running_mean.zero_();
            bn->running_var.fill_(1.0);
            bn->num_batches_tracked.zero_();
        } else if (auto* linear = module->as<nn::Linear>()) {
            // kaiming_uniform_(a=sqrt(5)) and PyTorch's bias rule both come to U(±1/sqrt(fan_in)).
            const double bound = 1.0 / std::sqrt(static_cast<double>(linear->weight.size(1)));
            linear->weight.uniform_(-bound, bound, generator);
            linear->bias.uniform_(-bound, bound, generator);
        }
    }
    for (nn::Sequential& stage : m_stages) {
        for (const std::shared_ptr<nn::Module>& block : stage->children())
            block->as<ResnetBlockImpl>()->lastNorm()->weight.zero_();
    }
}

std::vector<std::pair<std::string, at::Tensor>> orderedStateDict(const torch::nn::Module& module)
{
    std::vector<std::pair<std::string, at::Tensor>> entries;
    for (const auto& item : module.named_modules("", /*include_self=*/true)) {
        const std::string prefix = item.key().empty() ? "" : item.key() + ".";
        for (const auto& p : item.value()->named_parameters(/*recurse=*/false))
            entries.emplace_back(prefix + p.key(), p.value());
        for (const auto& b : item.value()->named_buffers(/*recurse=*/false))
            entries.emplace_back(prefix + b.key(), b.value());
    }
    return entries;
}

} // namespace mwb
