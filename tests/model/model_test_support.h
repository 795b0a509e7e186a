#pragma once

// Helpers shared by the model tests: where the parity fixtures are, reading them, and comparing
// outputs the way the parity bar is stated (within 1e-4 relative).

#include "weights/tensor_list.h"
#include "weights/weight_reader.h"

#include <algorithm>

#include <QFile>
#include <QString>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

namespace mwb::test {

inline QString fixture(const QString& name)
{
    return QStringLiteral(MWB_MODEL_FIXTURES_DIR "/") + name;
}

inline nlohmann::json readJson(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return nlohmann::json::parse(f.readAll().toStdString(), nullptr, false);
}

// The tensor `name` of a safetensors/.bin file; undefined when absent or unreadable.
inline at::Tensor readTensor(const QString& path, const std::string& name)
{
    auto tensors = readWeights(path);
    if (!tensors)
        return {};
    auto it = std::ranges::find(*tensors, name, &NamedTensor::name);
    return it == tensors->end() ? at::Tensor() : it->tensor;
}

// max |actual - expected| relative to max |expected|: the parity measure (must be <= 1e-4).
inline double relativeError(const at::Tensor& actual, const at::Tensor& expected)
{
    const at::Tensor e = expected.to(at::kDouble);
    const double scale = std::max(e.abs().max().item<double>(), 1e-12);
    return (actual.to(at::kDouble) - e).abs().max().item<double>() / scale;
}

} // namespace mwb::test
