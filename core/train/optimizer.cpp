#include "train/optimizer.h"

#include <cmath>
#include <map>

#include <ATen/ATen.h>
#include <torch/csrc/api/include/torch/utils.h>

namespace mwb::train_detail {

Optimizer::Optimizer(OptimizerKind kind,
                     std::vector<Parameter> parameters,
                     double weightDecay,
                     double momentum)
    : m_kind(kind), m_parameters(std::move(parameters)), m_weightDecay(weightDecay), m_momentum(momentum)
{
    for (const Parameter& p : m_parameters) {
        m_first.push_back(at::zeros_like(p.value));
        m_second.push_back(kind == OptimizerKind::AdamW ? at::zeros_like(p.value) : at::Tensor());
    }
}

void Optimizer::zeroGrad()
{
    for (Parameter& p : m_parameters)
        p.value.mutable_grad() = at::Tensor(); // set_to_none, as torch.optim does by default in 2.x
}

void Optimizer::step(double lr)
{
    torch::NoGradGuard noGrad;
    ++m_steps;
    const double correction1 = 1.0 - std::pow(m_beta1, static_cast<double>(m_steps));
    const double correction2 = 1.0 - std::pow(m_beta2, static_cast<double>(m_steps));
    for (std::size_t i = 0; i < m_parameters.size(); ++i) {
        at::Tensor& param = m_parameters[i].value;
        const at::Tensor& grad = param.grad();
        if (!grad.defined())
            continue;
        const double decay = m_parameters[i].decay ? m_weightDecay : 0.0;
        if (m_kind == OptimizerKind::AdamW) {
            // torch.optim.AdamW (single-tensor path): decoupled decay, then the bias-corrected Adam step.
            param.mul_(1.0 - lr * decay);
            m_first[i].lerp_(grad, 1.0 - m_beta1);
            m_second[i].mul_(m_beta2).addcmul_(grad, grad, 1.0 - m_beta2);
            const at::Tensor denominator = (m_second[i].sqrt() / std::sqrt(correction2)).add_(m_eps);
            param.addcdiv_(m_first[i], denominator, -lr / correction1);
        } else {
            // torch.optim.SGD: decay added to the gradient; the first step seeds the momentum buffer.
            at::Tensor direction = decay != 0.0 ? grad.add(param, decay) : grad;
            if (m_steps == 1)
                m_first[i].copy_(direction);
            else
                m_first[i].mul_(m_momentum).add_(direction);
            param.add_(m_first[i], -lr);
        }
    }
}

TensorList Optimizer::state() const
{
    TensorList tensors;
    for (std::size_t i = 0; i < m_parameters.size(); ++i) {
        tensors.push_back({"first/" + m_parameters[i].name, m_first[i]});
        if (m_second[i].defined())
            tensors.push_back({"second/" + m_parameters[i].name, m_second[i]});
    }
    return tensors;
}

Result<void> Optimizer::restore(const TensorList& tensors, std::int64_t steps)
{
    std::map<std::string, const at::Tensor*> byName;
    for (const NamedTensor& t : tensors)
        byName[t.name] = &t.tensor;
    auto take = [&](const std::string& name, at::Tensor& into) -> Result<void> {
        auto found = byName.find(name);
        if (found == byName.end())
            return fail(ErrorKind::InvalidInput, "optimizer.safetensors: missing tensor " + name);
        if (found->second->sizes() != into.sizes())
            return fail(ErrorKind::InvalidInput,
                        "optimizer.safetensors: " + name + " has another shape than the model's");
        into.copy_(*found->second);
        return {};
    };
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < m_parameters.size(); ++i) {
        if (auto ok = take("first/" + m_parameters[i].name, m_first[i]); !ok)
            return ok;
        if (m_second[i].defined()) {
            if (auto ok = take("second/" + m_parameters[i].name, m_second[i]); !ok)
                return ok;
        }
    }
    m_steps = steps;
    return {};
}

} // namespace mwb::train_detail
