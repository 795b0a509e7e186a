#pragma once

// Helpers shared by the share tests: a tiny pretrained folder built natively (no binary fixtures), and
// small file utilities.

#include "error.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace sharetest {

// id2label of the tiny model: three classes.
nlohmann::json tinyLabels();
// A basic-block ResNet with one block per stage and three classes (about 4.9 M parameters), seeded
// weights, saved with Model::savePretrained, plus a preprocessor_config.json.
mwb::Result<void> writeTinyPretrainedFolder(const QString& folder, std::uint64_t seed = 7);

QByteArray readAll(const QString& path);
bool writeAll(const QString& path, const QByteArray& bytes);
// Tensor names in a safetensors file's header (not __metadata__).
QStringList safetensorsKeys(const QString& path);
// Temporary or backup folders the share code might leave in `folder`.
QStringList leftovers(const QString& folder);

} // namespace sharetest
