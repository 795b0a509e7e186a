#include "model/load_report.h"

#include <algorithm>

namespace mwb {

std::string statusName(TensorStatus status)
{
    switch (status) {
    case TensorStatus::Matched:
        return "matched";
    case TensorStatus::Missing:
        return "missing";
    case TensorStatus::Unexpected:
        return "unexpected";
    case TensorStatus::WrongShape:
        return "wrong shape";
    case TensorStatus::WrongDtype:
        return "wrong dtype";
    case TensorStatus::Defaulted:
        return "defaulted";
    }
    return "unknown";
}

namespace {

bool isProblem(const TensorReport& t)
{
    return t.status != TensorStatus::Matched && t.status != TensorStatus::Defaulted;
}

} // namespace

int LoadReport::count(TensorStatus status) const
{
    return static_cast<int>(
        std::ranges::count_if(tensors, [status](const TensorReport& t) { return t.status == status; }));
}

int LoadReport::convertedCount() const
{
    return static_cast<int>(std::ranges::count_if(tensors, &TensorReport::dtypeConverted));
}

bool LoadReport::exact() const
{
    return std::ranges::none_of(tensors, isProblem);
}

bool LoadReport::onlyClassifierDiffers() const
{
    const auto bad = problems();
    return !bad.empty() && std::ranges::all_of(bad, &TensorReport::isClassifier);
}

std::vector<TensorReport> LoadReport::problems() const
{
    std::vector<TensorReport> out;
    std::ranges::copy_if(tensors, std::back_inserter(out), isProblem);
    return out;
}

std::string formatShape(const std::vector<std::int64_t>& shape)
{
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

std::string describeProblem(const TensorReport& t)
{
    const std::string name = t.status == TensorStatus::Unexpected ? t.fileName : t.name;
    switch (t.status) {
    case TensorStatus::Missing:
        return name + ": missing from the file (model expects " + t.modelDtype + " " +
               formatShape(t.modelShape) + ")";
    case TensorStatus::Unexpected:
        return name + ": unexpected, the model has no such tensor (" + t.fileDtype + " " +
               formatShape(t.fileShape) + ")";
    case TensorStatus::WrongShape:
        return name + ": wrong shape: model " + formatShape(t.modelShape) + ", file " +
               formatShape(t.fileShape);
    case TensorStatus::WrongDtype:
        return name + ": wrong dtype: model " + t.modelDtype + ", file " + t.fileDtype +
               " cannot be converted";
    case TensorStatus::Defaulted:
        return name + ": absent from the file, set to 0";
    case TensorStatus::Matched:
        break;
    }
    return name + ": " + statusName(t.status);
}

} // namespace mwb
