#include "inference/classify_export.h"

#include "util/atomic_file.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace mwb {
namespace {

using json = nlohmann::json;

std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\r\n") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '"')
            quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

// Enough digits to give the float back exactly.
std::string scoreText(float score)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(score));
    return buffer;
}

json optionalNumber(const std::optional<double>& value)
{
    return value ? json(*value) : json(nullptr);
}

} // namespace

json resultToJson(const ClassifyResult& result)
{
    if (!result.ok())
        return {{"image", result.image}, {"error", result.error->message}};
    json predictions = json::array();
    for (const Prediction& p : result.predictions)
        predictions.push_back({{"index", p.index}, {"label", p.label}, {"score", p.score}});
    return {{"image", result.image}, {"predictions", predictions}};
}

json resultsToJson(const std::vector<ClassifyResult>& results)
{
    json list = json::array();
    for (const ClassifyResult& result : results)
        list.push_back(resultToJson(result));
    return list;
}

std::string resultsToCsv(const std::vector<ClassifyResult>& results)
{
    std::string csv = "image,rank,index,label,score,error\r\n";
    for (const ClassifyResult& result : results) {
        if (!result.ok()) {
            csv += csvField(result.image) + ",,,,," + csvField(result.error->message) + "\r\n";
            continue;
        }
        int rank = 1;
        for (const Prediction& p : result.predictions) {
            csv += csvField(result.image) + "," + std::to_string(rank++) + "," + std::to_string(p.index) +
                   "," + csvField(p.label) + "," + scoreText(p.score) + ",\r\n";
        }
    }
    return csv;
}

Result<void> writeResultsCsv(const QString& path, const std::vector<ClassifyResult>& results)
{
    return writeFileAtomically(path, QByteArray::fromStdString(resultsToCsv(results)));
}

Result<void> writeResultsJson(const QString& path, const std::vector<ClassifyResult>& results)
{
    return writeFileAtomically(path, QByteArray::fromStdString(resultsToJson(results).dump(2) + "\n"));
}

json evaluationToJson(const LabelledFolder& folder,
                      const std::vector<ClassifyResult>& results,
                      const Evaluation& evaluation)
{
    json failed = json::array();
    for (std::size_t i : evaluation.failedImages) {
        failed.push_back({{"image", folder.images[i].path.string()},
                          {"error", results[i].error ? results[i].error->message : "no prediction"}});
    }
    json unmatched = json::array();
    for (const ClassFolder& f : folder.unmatched())
        unmatched.push_back({{"name", f.name}, {"images", f.images}});
    json classes = json::array();
    for (const ClassMetrics& c : evaluation.classes) {
        classes.push_back({{"index", c.classIndex},
                           {"label", c.label},
                           {"support", c.support},
                           {"predicted", c.predicted},
                           {"correct", c.correct},
                           {"precision", optionalNumber(c.precision)},
                           {"recall", optionalNumber(c.recall)}});
    }
    return {{"root", folder.root.string()},
            {"images", folder.images.size()},
            {"evaluated", evaluation.evaluated},
            {"correct", evaluation.correct},
            {"accuracy", evaluation.accuracy},
            {"failed", failed},
            {"unmatched_folders", unmatched},
            {"classes", classes},
            {"confusion_matrix", evaluation.confusion}};
}

} // namespace mwb
