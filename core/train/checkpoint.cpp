#include "train/checkpoint.h"

#include "model/model_internal.h"
#include "train/optimizer.h"
#include "util/atomic_file.h"
#include "weights/weight_reader.h"

#include <fstream>

#include <QString>

namespace mwb {

namespace fs = std::filesystem;

namespace {

QString qPath(const fs::path& path)
{
    return QString::fromStdString(path.string());
}

Result<nlohmann::json> readJsonFile(const fs::path& path)
{
    std::ifstream in(path);
    if (!in)
        return fail(ErrorKind::Io, path.string() + ": cannot read");
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorKind::InvalidInput, path.string() + ": " + e.what());
    }
}

fs::path findCheckpoint(const fs::path& path)
{
    std::error_code error;
    for (const fs::path& candidate :
         {path, path / "checkpoint", fs::path(path.string() + ".old"), path / "checkpoint.old"}) {
        if (fs::is_regular_file(candidate / "state.json", error))
            return candidate;
    }
    return {};
}

} // namespace

Result<void> writeTextFileAtomically(const fs::path& path, const std::string& text)
{
    return writeFileAtomically(qPath(path), QByteArray::fromStdString(text));
}

EpochReport epochReportFromJson(const nlohmann::json& doc)
{
    EpochReport r;
    r.epoch = doc.value("epoch", 0);
    r.epochs = doc.value("epochs", 0);
    r.trainLoss = doc.value("train_loss", 0.0);
    r.trainAccuracy = doc.value("train_accuracy", 0.0);
    r.validationLoss = doc.value("validation_loss", 0.0);
    r.validationAccuracy = doc.value("validation_accuracy", 0.0);
    r.classAccuracy = doc.value("class_accuracy", std::vector<double>{});
    r.confusion = doc.value("confusion", std::vector<std::vector<int>>{});
    r.best = doc.value("best", false);
    r.seconds = doc.value("seconds", 0.0);
    r.imagesPerSecond = doc.value("images_per_second", 0.0);
    return r;
}

Result<void> writeCheckpoint(const fs::path& folder,
                             const Model& model,
                             const train_detail::Optimizer& optimizer,
                             const CheckpointState& state,
                             const std::string& preprocessorConfigJson)
{
    const fs::path staging = folder.string() + ".tmp";
    const fs::path previous = folder.string() + ".old";
    std::error_code error;
    fs::remove_all(staging, error);
    if (auto saved = model.savePretrained(qPath(staging)); !saved)
        return saved;
    if (!preprocessorConfigJson.empty()) {
        if (auto saved =
                writeTextFileAtomically(staging / "preprocessor_config.json", preprocessorConfigJson);
            !saved)
            return saved;
    }
    if (auto saved = writeSafetensors(qPath(staging / "optimizer.safetensors"), optimizer.state()); !saved)
        return saved;
    nlohmann::json history = nlohmann::json::array();
    for (const EpochReport& report : state.history)
        history.push_back(epochReportToJson(report));
    const nlohmann::json doc{{"completed_epochs", state.position.epoch},
                             {"step_in_epoch", state.position.stepInEpoch},
                             {"partial_loss_sum", state.position.lossSum},
                             {"partial_correct", state.position.correct},
                             {"partial_seen", state.position.seen},
                             {"optimizer_steps", optimizer.steps()},
                             {"best_epoch", state.bestEpoch},
                             {"best_accuracy", state.bestAccuracy},
                             {"run", state.identity},
                             {"history", history}};
    if (auto saved = writeTextFileAtomically(staging / "state.json", doc.dump(2) + "\n"); !saved)
        return saved;
    // Swap: folder -> folder.old, staging -> folder, drop folder.old. findCheckpoint reads .old when a
    // kill lands between the two renames.
    fs::remove_all(previous, error);
    if (fs::exists(folder, error)) {
        fs::rename(folder, previous, error);
        if (error)
            return fail(ErrorKind::Io,
                        folder.string() + ": cannot replace the checkpoint: " + error.message());
    }
    fs::rename(staging, folder, error);
    if (error)
        return fail(ErrorKind::Io, folder.string() + ": cannot write the checkpoint: " + error.message());
    fs::remove_all(previous, error);
    return {};
}

Result<RestoredCheckpoint> restoreCheckpoint(const fs::path& path,
                                             Model& model,
                                             train_detail::Optimizer& optimizer,
                                             const nlohmann::json& identity)
{
    const fs::path folder = findCheckpoint(path);
    if (folder.empty())
        return fail(ErrorKind::InvalidInput,
                    path.string() + ": no checkpoint here (expected state.json, or checkpoint/state.json)");
    auto state = readJsonFile(folder / "state.json");
    if (!state)
        return std::unexpected(state.error());
    try {
        const nlohmann::json& run = state->at("run");
        for (const auto& [key, value] : identity.items()) {
            if (!run.contains(key) || run[key] != value)
                return fail(ErrorKind::InvalidInput,
                            (folder / "state.json").string() + ": the run was started with " + key + " " +
                                (run.contains(key) ? run[key].dump() : "unset") + ", not " + value.dump() +
                                "; resume with the same options");
        }
        auto loaded = model.applyWeights(qPath(folder / "model.safetensors"));
        if (!loaded)
            return std::unexpected(loaded.error());
        auto tensors = readWeights(qPath(folder / "optimizer.safetensors"));
        if (!tensors)
            return std::unexpected(tensors.error());
        if (auto restored = optimizer.restore(*tensors, state->at("optimizer_steps").get<std::int64_t>());
            !restored)
            return std::unexpected(restored.error());
        RestoredCheckpoint result;
        result.folder = folder;
        result.epochs = run.value("epochs", 0);
        result.position.epoch = state->at("completed_epochs").get<int>();
        result.position.stepInEpoch = state->at("step_in_epoch").get<std::int64_t>();
        result.position.lossSum = state->at("partial_loss_sum").get<double>();
        result.position.correct = state->at("partial_correct").get<std::int64_t>();
        result.position.seen = state->at("partial_seen").get<std::int64_t>();
        result.bestEpoch = state->at("best_epoch").get<int>();
        result.bestAccuracy = state->at("best_accuracy").get<double>();
        for (const nlohmann::json& epoch : state->at("history"))
            result.history.push_back(epochReportFromJson(epoch));
        return result;
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorKind::InvalidInput, (folder / "state.json").string() + ": " + e.what());
    }
}

} // namespace mwb
