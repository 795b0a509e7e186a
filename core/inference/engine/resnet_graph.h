#pragma once

// Internal to the engine (includes LibTorch): a ResNet as a flat list of inference ops over numbered
// values, with every BatchNorm folded into the convolution before it. Built from a Model's state_dict
// names (timm's), so it follows the training modules without reaching into them.

#include "error.h"
#include "model/resnet_spec.h"

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mwb {

class Model;

// A convolution with its BatchNorm folded in: y = conv(x, weight) + bias.
struct FoldedConv
{
    std::string name;  // the conv's state_dict name, for messages
    at::Tensor weight; // float32, OIHW, contiguous
    at::Tensor bias;   // float32, O
    int groups = 1;
    int stride = 1;
    int padding = 0;
};

enum class OpKind
{
    Conv,    // FoldedConv, then + residual (when set), then ReLU (when set)
    MaxPool, // 3x3, stride 2, padding 1 (the stem's)
    AvgDown, // 2x2, stride 2, ceil mode, padding not counted (avg-down shortcuts)
};

struct GraphOp
{
    OpKind kind = OpKind::Conv;
    int input = 0;  // value ids; value 0 is the input image batch
    int output = 0; // each op makes a new value
    int conv = -1;  // index into ResnetGraph::convs for Conv
    int residual = -1;
    bool relu = false;
};

struct ResnetGraph
{
    ResnetSpec spec;
    std::vector<FoldedConv> convs;
    std::vector<GraphOp> ops; // in execution order
    int valueCount = 1;
    int features = 0;    // the value forward_features returns
    at::Tensor fcWeight; // undefined when num_classes is 0
    at::Tensor fcBias;
};

// Folds and wires the model's current weights (copies; the model is not kept).
Result<ResnetGraph> buildResnetGraph(const Model& model);

} // namespace mwb
