#pragma once

// timm's ResNet (timm/models/resnet.py) as a LibTorch module tree. Internal to core: it includes
// LibTorch. The tree mirrors timm's module for module, so `orderedStateDict()` yields exactly timm's
// keys, shapes and dtypes (see ARCHITECTURE.md, "Formats: timm's ResNet"). Pooling and activations without
// parameters are registered where timm has them as Sequential members, so Sequential indices line up.
//
// A module is not synchronised: use it from one thread at a time. Run inference in eval mode inside
// a c10::InferenceMode guard opened by the calling thread.

#include "model/resnet_spec.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/pimpl.h>

namespace mwb {

// timm's BasicBlock or Bottleneck, chosen by the spec's block type.
class ResnetBlockImpl : public torch::nn::Module
{
public:
    ResnetBlockImpl(
        const ResnetSpec& spec, int64_t inplanes, int64_t planes, int64_t stride, bool downsample);

    at::Tensor forward(at::Tensor x);
    // bn2 (basic) or bn3 (bottleneck): the norm timm zero-initialises so a block starts as identity.
    torch::nn::BatchNorm2d lastNorm() const { return m_bottleneck ? m_bn3 : m_bn2; }

private:
    bool m_bottleneck = false;
    torch::nn::Conv2d m_conv1{nullptr}, m_conv2{nullptr}, m_conv3{nullptr};
    torch::nn::BatchNorm2d m_bn1{nullptr}, m_bn2{nullptr}, m_bn3{nullptr};
    torch::nn::Sequential m_downsample{nullptr};
};
TORCH_MODULE(ResnetBlock);

class ResnetNetImpl : public torch::nn::Module
{
public:
    explicit ResnetNetImpl(const ResnetSpec& spec);

    const ResnetSpec& spec() const { return m_spec; }

    // conv1 → bn1 → act1 → maxpool → layer1..4: the NCHW feature map.
    at::Tensor forwardFeatures(const at::Tensor& pixelValues);
    // Global average pool, then fc when num_classes > 0 (timm's Identity otherwise).
    at::Tensor forwardHead(const at::Tensor& features);
    at::Tensor forward(const at::Tensor& pixelValues) { return forwardHead(forwardFeatures(pixelValues)); }

    // timm's init_weights: kaiming-normal (fan_out, relu) convs, BN at weight 1 / bias 0 with fresh
    // running statistics, each block's last BN weight zeroed, Linear at PyTorch's default. Draws from
    // its own generator, so concurrent builds with the same seed give the same weights.
    void initializeWeights(uint64_t seed);

private:
    ResnetSpec m_spec;
    torch::nn::Conv2d m_stemConv{nullptr};     // plain stem: conv1
    torch::nn::Sequential m_stemDeep{nullptr}; // deep stems: conv1.{0..6}
    torch::nn::BatchNorm2d m_bn1{nullptr};
    torch::nn::MaxPool2d m_maxpool{nullptr};
    std::vector<torch::nn::Sequential> m_stages;
    torch::nn::Linear m_fc{nullptr};
};
TORCH_MODULE(ResnetNet);

// Parameters and buffers in PyTorch's state_dict order: modules in registration order (pre-order),
// each module's parameters before its buffers. Tensors share storage with the module.
std::vector<std::pair<std::string, at::Tensor>> orderedStateDict(const torch::nn::Module& module);

} // namespace mwb
