#pragma once

// Shared by the classify tests: the fixtures (see make_classify_fixtures.py), PyTorch's expected
// logits, and a reader for the float32 safetensors files the classifier writes.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include <QByteArray>
#include <QFile>
#include <QString>

#include <nlohmann/json.hpp>

namespace classify_test {

inline QString fixture(const QString& relative)
{
    return QStringLiteral(MWB_CLASSIFY_FIXTURES_DIR "/") + relative;
}

struct ExpectedImage
{
    QString path; // absolute
    int classIndex = -1;
    std::vector<double> logits;
};

inline std::vector<ExpectedImage> expectedImages()
{
    QFile file(fixture(QStringLiteral("expected.json")));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const auto doc = nlohmann::json::parse(file.readAll().toStdString());
    std::vector<ExpectedImage> images;
    for (const auto& entry : doc.at("images")) {
        images.push_back({fixture(QString::fromStdString(entry.at("path").get<std::string>())),
                          entry.at("class_index").get<int>(), entry.at("logits").get<std::vector<double>>()});
    }
    return images;
}

inline std::vector<double> softmax(const std::vector<double>& logits)
{
    const double top = *std::ranges::max_element(logits);
    std::vector<double> out;
    for (double v : logits)
        out.push_back(std::exp(v - top));
    const double sum = std::accumulate(out.begin(), out.end(), 0.0);
    for (double& v : out)
        v /= sum;
    return out;
}

inline std::vector<double> sigmoid(const std::vector<double>& logits)
{
    std::vector<double> out;
    for (double v : logits)
        out.push_back(1.0 / (1.0 + std::exp(-v)));
    return out;
}

// Class indices, best first.
inline std::vector<int> ranking(const std::vector<double>& scores)
{
    std::vector<int> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::ranges::stable_sort(order, [&](int a, int b) { return scores[a] > scores[b]; });
    return order;
}

struct FloatTensor
{
    std::vector<std::int64_t> shape;
    std::vector<float> values;
};

// One F32 tensor of a safetensors file, read as the format says (u64 header length, JSON header,
// little-endian data). Empty shape when the file or tensor is missing.
inline FloatTensor readSafetensorsF32(const QString& path, const std::string& name)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = file.readAll();
    if (bytes.size() < 8)
        return {};
    std::uint64_t headerSize = 0;
    std::memcpy(&headerSize, bytes.constData(), 8);
    const auto header = nlohmann::json::parse(bytes.mid(8, static_cast<qsizetype>(headerSize)).toStdString());
    if (!header.contains(name) || header[name].at("dtype") != "F32")
        return {};
    FloatTensor tensor;
    tensor.shape = header[name].at("shape").get<std::vector<std::int64_t>>();
    const auto offsets = header[name].at("data_offsets").get<std::vector<std::uint64_t>>();
    tensor.values.resize((offsets[1] - offsets[0]) / sizeof(float));
    std::memcpy(tensor.values.data(), bytes.constData() + 8 + headerSize + offsets[0],
                offsets[1] - offsets[0]);
    return tensor;
}

inline std::vector<float> readRawF32(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = file.readAll();
    std::vector<float> values(static_cast<std::size_t>(bytes.size()) / sizeof(float));
    std::memcpy(values.data(), bytes.constData(), values.size() * sizeof(float));
    return values;
}

} // namespace classify_test
