#pragma once

// Internal to core/train (ATen): AdamW and SGD with momentum over named parameters, written out so
// their state can be saved and restored by name (checkpoints) and matches torch.optim's arithmetic.

#include "error.h"
#include "train/trainer.h"
#include "weights/tensor_list.h"

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mwb::train_detail {

class Optimizer
{
public:
    struct Parameter
    {
        std::string name;
        at::Tensor value;
        bool decay = true; // weight decay applies (not to norms and biases)
    };

    Optimizer(OptimizerKind kind, std::vector<Parameter> parameters, double weightDecay, double momentum);

    void zeroGrad();
    // One update with learning rate `lr` (parameters without a gradient are skipped).
    void step(double lr);

    std::int64_t steps() const { return m_steps; }
    // State tensors named "<kind>/<parameter name>"; restore() refuses missing or misshapen ones.
    TensorList state() const;
    Result<void> restore(const TensorList& tensors, std::int64_t steps);

private:
    OptimizerKind m_kind;
    std::vector<Parameter> m_parameters;
    std::vector<at::Tensor> m_first, m_second; // AdamW exp_avg / exp_avg_sq; SGD momentum in m_first
    double m_weightDecay, m_momentum;
    double m_beta1 = 0.9, m_beta2 = 0.999, m_eps = 1e-8;
    std::int64_t m_steps = 0;
};

} // namespace mwb::train_detail
