#include "inference/engine/resnet_graph.h"

#include "model/model_internal.h"
#include "util/exception_text.h"

#include <map>

#include <ATen/ops/rsqrt.h>
#include <c10/core/InferenceMode.h>

namespace mwb {
namespace {

constexpr double batchNormEps = 1e-5; // every BatchNorm2d of the ResNet modules (PyTorch's default)

class GraphBuilder
{
public:
    GraphBuilder(const Model& model, ResnetGraph& graph) : m_graph(graph)
    {
        for (auto& [name, tensor] : orderedStateDict(resnetModule(model)))
            m_tensors.emplace(name, tensor);
    }

    // conv `convName` with BatchNorm `bnName` folded in; returns the output value.
    int conv(int input,
             const std::string& convName,
             const std::string& bnName,
             int stride,
             int groups,
             bool relu,
             int residual = -1)
    {
        const at::Tensor weight = tensor(convName + ".weight").to(at::kDouble);
        const at::Tensor gamma = tensor(bnName + ".weight").to(at::kDouble);
        const at::Tensor beta = tensor(bnName + ".bias").to(at::kDouble);
        const at::Tensor mean = tensor(bnName + ".running_mean").to(at::kDouble);
        const at::Tensor var = tensor(bnName + ".running_var").to(at::kDouble);
        // Folded in double so the float32 result is as close to conv-then-BN as float32 allows.
        const at::Tensor scale = gamma * at::rsqrt(var + batchNormEps);
        FoldedConv folded;
        folded.name = convName;
        folded.weight = (weight * scale.view({-1, 1, 1, 1})).to(at::kFloat).contiguous();
        folded.bias = (beta - mean * scale).to(at::kFloat).contiguous();
        folded.groups = groups;
        folded.stride = stride;
        folded.padding = static_cast<int>(weight.size(2) / 2); // timm pads every conv by k/2
        m_graph.convs.push_back(std::move(folded));
        return add({OpKind::Conv, input, 0, static_cast<int>(m_graph.convs.size()) - 1, residual, relu});
    }

    int pool(OpKind kind, int input) { return add({kind, input, 0, -1, -1, false}); }

    void head()
    {
        if (m_graph.spec.numClasses > 0) {
            m_graph.fcWeight = tensor("fc.weight").to(at::kFloat).contiguous().clone();
            m_graph.fcBias = tensor("fc.bias").to(at::kFloat).contiguous().clone();
        }
    }

private:
    int add(GraphOp op)
    {
        op.output = m_graph.valueCount++;
        m_graph.ops.push_back(op);
        return op.output;
    }

    const at::Tensor& tensor(const std::string& name) const
    {
        const auto it = m_tensors.find(name);
        if (it == m_tensors.end())
            throw std::runtime_error("the model has no tensor " + name);
        return it->second;
    }

    ResnetGraph& m_graph;
    std::map<std::string, at::Tensor> m_tensors;
};

int stem(GraphBuilder& builder, const ResnetSpec& spec)
{
    int x = 0;
    if (spec.stemType == StemType::Plain) {
        x = builder.conv(x, "conv1", "bn1", 2, 1, true);
    } else {
        x = builder.conv(x, "conv1.0", "conv1.1", 2, 1, true);
        x = builder.conv(x, "conv1.3", "conv1.4", 1, 1, true);
        x = builder.conv(x, "conv1.6", "bn1", 1, 1, true);
    }
    return builder.pool(OpKind::MaxPool, x);
}

int block(GraphBuilder& builder,
          const ResnetSpec& spec,
          int x,
          const std::string& prefix,
          int stride,
          bool downsample)
{
    int shortcut = x;
    if (downsample) {
        if (spec.avgDown) {
            const int pooled = stride == 1 ? x : builder.pool(OpKind::AvgDown, x);
            shortcut = builder.conv(pooled, prefix + "downsample.1", prefix + "downsample.2", 1, 1, false);
        } else {
            shortcut = builder.conv(x, prefix + "downsample.0", prefix + "downsample.1", stride, 1, false);
        }
    }
    if (spec.blockType == BlockType::Bottleneck) {
        int y = builder.conv(x, prefix + "conv1", prefix + "bn1", 1, 1, true);
        y = builder.conv(y, prefix + "conv2", prefix + "bn2", stride, spec.cardinality, true);
        return builder.conv(y, prefix + "conv3", prefix + "bn3", 1, 1, true, shortcut);
    }
    const int y = builder.conv(x, prefix + "conv1", prefix + "bn1", stride, 1, true);
    return builder.conv(y, prefix + "conv2", prefix + "bn2", 1, 1, true, shortcut);
}

} // namespace

Result<ResnetGraph> buildResnetGraph(const Model& model)
{
    try {
        c10::InferenceMode inference;
        ResnetGraph graph;
        graph.spec = ModelAccess::impl(model).spec;
        const ResnetSpec& spec = graph.spec;
        GraphBuilder builder(model, graph);
        int x = stem(builder, spec);
        int inplanes = spec.stemChannels();
        for (int stage = 0; stage < 4; ++stage) {
            const int outplanes = ResnetSpec::stagePlanes[static_cast<std::size_t>(stage)] * spec.expansion();
            const int stride = stage == 0 ? 1 : 2;
            for (int b = 0; b < spec.layers[static_cast<std::size_t>(stage)]; ++b) {
                const bool first = b == 0;
                const bool downsample = first && (stride != 1 || inplanes != outplanes);
                const std::string prefix =
                    "layer" + std::to_string(stage + 1) + "." + std::to_string(b) + ".";
                x = block(builder, spec, x, prefix, first ? stride : 1, downsample);
                inplanes = outplanes;
            }
        }
        graph.features = x;
        builder.head();
        return graph;
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidInput,
                    std::string("building the inference engine: ") + exceptionReason(e));
    }
}

} // namespace mwb
