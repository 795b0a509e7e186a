#pragma once

// Access to the references make_preprocess_references.py writes into the build tree (CTest runs it as
// the fixture setup of every imaging test).

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <QByteArray>
#include <QFile>
#include <QString>

#include <nlohmann/json.hpp>

namespace imaging_fixtures {

inline std::string fixturePath(const std::string& relative)
{
    return std::string(MWB_IMAGING_REFS_DIR) + "/" + relative;
}

inline QByteArray readFile(const std::string& relative)
{
    QFile file(QString::fromStdString(fixturePath(relative)));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The manifest, or an empty object when the fixture setup did not run.
inline const nlohmann::json& manifest()
{
    static const nlohmann::json doc = [] {
        const QByteArray bytes = readFile("manifest.json");
        return bytes.isEmpty() ? nlohmann::json::object()
                               : nlohmann::json::parse(bytes.constData(), bytes.constData() + bytes.size());
    }();
    return doc;
}

template <typename T> std::vector<T> readRaw(const std::string& relative)
{
    const QByteArray bytes = readFile(relative);
    std::vector<T> out(std::size_t(bytes.size()) / sizeof(T));
    std::memcpy(out.data(), bytes.constData(), out.size() * sizeof(T));
    return out;
}

} // namespace imaging_fixtures
