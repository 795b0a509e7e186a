// Matching a weight file against a model's state_dict (the load report) and loading it.

#include "model/model_internal.h"
#include "weights/weight_reader.h"

#include <map>

#include <torch/utils.h>

namespace mwb {

namespace {

constexpr std::string_view kWrapperPrefix = "model.";

// The model's name for a file key: the wrapper's "model." prefix is dropped unless the model itself
// has a tensor named with it (it never has, timm has no "model" module, but keep it exact).
std::string
canonicalName(const std::string& fileName, const std::map<std::string, at::Tensor>& model, bool& prefixed)
{
    prefixed = fileName.starts_with(kWrapperPrefix) && !model.contains(fileName);
    return prefixed ? fileName.substr(kWrapperPrefix.size()) : fileName;
}

// Whether a file tensor of this dtype can be copied into a model tensor of that dtype without losing
// meaning: floating to floating, integer to integer (num_batches_tracked).
bool convertible(const at::Tensor& file, const at::Tensor& model)
{
    const bool fileFloat = at::isFloatingType(file.scalar_type());
    const bool fileInteger = at::isIntegralType(file.scalar_type(), /*includeBool=*/false);
    return at::isFloatingType(model.scalar_type()) ? fileFloat : fileInteger;
}

TensorReport compare(const std::string& name, const at::Tensor& model, const NamedTensor& file)
{
    TensorReport r{name,
                   file.name,
                   TensorStatus::Matched,
                   model.sizes().vec(),
                   file.tensor.sizes().vec(),
                   dtypeName(model),
                   dtypeName(file.tensor)};
    if (model.sizes() != file.tensor.sizes())
        r.status = TensorStatus::WrongShape;
    else if (!convertible(file.tensor, model))
        r.status = TensorStatus::WrongDtype;
    return r;
}

// The file tensor each model tensor would be loaded from.
struct Matching
{
    LoadReport report;
    std::map<std::string, const NamedTensor*> sources; // model name -> file tensor
};

Matching match(const Model& model, const TensorList& tensors, const std::string& fileLabel)
{
    const TensorList state = modelStateDict(model, /*wrapperPrefix=*/false);
    std::map<std::string, at::Tensor> byName;
    for (const NamedTensor& t : state)
        byName.emplace(t.name, t.tensor);

    Matching m;
    m.report.file = fileLabel;
    std::vector<TensorReport> unexpected;
    for (const NamedTensor& file : tensors) {
        bool prefixed = false;
        const std::string name = canonicalName(file.name, byName, prefixed);
        m.report.prefixed = m.report.prefixed || prefixed;
        if (byName.contains(name) && !m.sources.contains(name)) {
            m.sources.emplace(name, &file);
            continue;
        }
        // Not in the model, or a second file tensor for the same model tensor (prefixed and bare).
        unexpected.push_back({name,
                              file.name,
                              TensorStatus::Unexpected,
                              {},
                              file.tensor.sizes().vec(),
                              "",
                              dtypeName(file.tensor)});
    }
    for (const NamedTensor& t : state) {
        const auto source = m.sources.find(t.name);
        if (source != m.sources.end()) {
            m.report.tensors.push_back(compare(t.name, t.tensor, *source->second));
            continue;
        }
        // PyTorch's BatchNorm loader fills a missing num_batches_tracked with 0 (older checkpoints).
        const bool counter = t.name.ends_with(".num_batches_tracked");
        m.report.tensors.push_back({t.name,
                                    "",
                                    counter ? TensorStatus::Defaulted : TensorStatus::Missing,
                                    t.tensor.sizes().vec(),
                                    {},
                                    dtypeName(t.tensor),
                                    ""});
    }
    m.report.tensors.insert(m.report.tensors.end(), unexpected.begin(), unexpected.end());
    return m;
}

// One line, as errors are printed: the count, the classifier hint, then the first problems.
std::string refusal(const LoadReport& report)
{
    constexpr size_t kListed = 8;
    const auto problems = report.problems();
    std::string text = report.file + ": the weights do not fit the model (" +
                       std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems") +
                       ")";
    if (report.onlyClassifierDiffers())
        text += "; only the classifier (fc) differs, so the rest can load with a fresh head";
    for (size_t i = 0; i < problems.size() && i < kListed; ++i)
        text += (i == 0 ? ": " : "; ") + describeProblem(problems[i]);
    if (problems.size() > kListed)
        text += "; and " + std::to_string(problems.size() - kListed) + " more";
    return text;
}

} // namespace

LoadReport matchWeights(const Model& model, const TensorList& tensors, const std::string& fileLabel)
{
    return match(model, tensors, fileLabel).report;
}

Result<LoadReport> applyTensors(Model& model,
                                const TensorList& tensors,
                                const std::string& fileLabel,
                                const LoadOptions& options)
{
    Matching m = match(model, tensors, fileLabel);
    const bool allowed =
        m.report.exact() || !options.strict || (options.keepFreshHead && m.report.onlyClassifierDiffers());
    if (!allowed)
        return fail(ErrorKind::InvalidInput, refusal(m.report));

    // Everything is checked before the first copy, so a refusal leaves the model unchanged and copies
    // of checked shapes and dtypes cannot fail half-way.
    try {
        torch::NoGradGuard noGrad;
        for (NamedTensor& target : modelStateDict(model, /*wrapperPrefix=*/false)) {
            const auto report = std::ranges::find(m.report.tensors, target.name, &TensorReport::name);
            if (report->status == TensorStatus::Defaulted)
                target.tensor.zero_();
            else if (report->status == TensorStatus::Matched)
                target.tensor.copy_(m.sources.at(target.name)->tensor);
        }
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidInput, fileLabel + ": copying the weights failed: " + e.what());
    }
    return m.report;
}

Result<LoadReport> Model::checkWeights(const QString& fileOrFolder) const
{
    auto tensors = readWeights(fileOrFolder);
    if (!tensors)
        return std::unexpected(tensors.error());
    return matchWeights(*this, *tensors, fileOrFolder.toStdString());
}

Result<LoadReport> Model::applyWeights(const QString& fileOrFolder, const LoadOptions& options)
{
    auto tensors = readWeights(fileOrFolder);
    if (!tensors)
        return std::unexpected(tensors.error());
    return applyTensors(*this, *tensors, fileOrFolder.toStdString(), options);
}

} // namespace mwb

namespace mwb {

MappedTensors mapTensorNames(const TensorList& tensors, const KeyMapping& mapping)
{
    MappedTensors out;
    std::vector<std::string> names;
    names.reserve(tensors.size());
    for (const NamedTensor& t : tensors)
        names.push_back(t.name);
    out.strippedPrefix = sharedPrefix(mapping, names);
    for (const NamedTensor& t : tensors) {
        std::string name = mapKey(mapping, t.name, out.strippedPrefix);
        if (name != t.name)
            ++out.renamed;
        out.fileNames.emplace(name, t.name);
        out.tensors.push_back({std::move(name), t.tensor});
    }
    return out;
}

void dropLeadingClassifierRows(TensorList& tensors, int offset, int classes)
{
    if (offset <= 0)
        return;
    for (NamedTensor& t : tensors)
        if ((t.name == "fc.weight" || t.name == "fc.bias") && t.tensor.dim() >= 1 &&
            t.tensor.size(0) == classes + offset)
            t.tensor = t.tensor.narrow(0, offset, classes);
}

Result<LoadReport> applyMappedTensors(Model& model,
                                      const MappedTensors& mapped,
                                      const KeyMapping& mapping,
                                      const std::string& sourceFormat,
                                      const std::string& fileLabel,
                                      const LoadOptions& options)
{
    auto report = applyTensors(model, mapped.tensors, fileLabel, options);
    if (!report)
        return report;
    for (TensorReport& t : report->tensors)
        if (const auto it = mapped.fileNames.find(t.fileName); it != mapped.fileNames.end())
            t.fileName = it->second;
    report->sourceFormat = sourceFormat;
    report->mapping = mapping.name;
    report->mappingRules = describeMapping(mapping);
    report->strippedPrefix = mapped.strippedPrefix;
    report->renamed = mapped.renamed;
    return report;
}

} // namespace mwb
