#include "share/model_card.h"

#include <QStringList>

namespace mwb::share {

namespace {

using json = nlohmann::json;

// The loading class for the snippet: the classifier when registered, else the first Auto class.
QString loadingClass(const json& config)
{
    const json& autoMap = config.at("auto_map");
    if (autoMap.contains(kAutoModelForImageClassification))
        return QString::fromLatin1(kAutoModelForImageClassification);
    return QString::fromLatin1(kAutoModel);
}

QString yamlQuoted(const QString& text)
{
    QString escaped = text;
    escaped.replace('\\', QStringLiteral("\\\\")).replace('"', QStringLiteral("\\\""));
    return '"' + escaped + '"';
}

QString frontMatter(const json& config, const CustomCodeRepoOptions& options)
{
    const bool classifier = config.at("auto_map").contains(kAutoModelForImageClassification);
    QStringList tags{QStringLiteral("resnet"), QStringLiteral("timm"), QStringLiteral("custom_code"),
                     QStringLiteral("model-workbench")};
    for (const QString& tag : options.extraTags)
        if (!tag.trimmed().isEmpty() && !tags.contains(tag.trimmed()))
            tags.append(tag.trimmed());
    QString out = QStringLiteral("---\nlibrary_name: transformers\n");
    out += QStringLiteral("pipeline_tag: %1\n")
               .arg(classifier ? QStringLiteral("image-classification")
                               : QStringLiteral("image-feature-extraction"));
    out += QStringLiteral("license: %1\n").arg(yamlQuoted(options.license));
    out += QStringLiteral("tags:\n");
    for (const QString& tag : tags)
        out += QStringLiteral("- %1\n").arg(yamlQuoted(tag));
    return out + QStringLiteral("---\n");
}

QString architectureTable(const json& config)
{
    QString out = QStringLiteral("| field | value |\n|---|---|\n");
    for (const char* key : {"block_type", "layers", "num_classes", "input_channels", "cardinality",
                            "base_width", "stem_width", "stem_type", "avg_down"})
        if (config.contains(key))
            out += QStringLiteral("| `%1` | `%2` |\n")
                       .arg(QString::fromLatin1(key), QString::fromStdString(config[key].dump()));
    return out;
}

} // namespace

QByteArray modelCard(const json& config, const CustomCodeRepoOptions& options)
{
    const QString repo = options.repoId.isEmpty() ? QStringLiteral("<user>/<repo>") : options.repoId;
    const QString cls = loadingClass(config);
    QString card = frontMatter(config, options);
    card += QStringLiteral("\n# %1\n\n").arg(repo.section('/', -1));
    card += QStringLiteral(
        "A ResNet built on [timm](https://github.com/huggingface/pytorch-image-models)'s `ResNet`, shared "
        "with "
        "its code as in the transformers custom-models tutorial. The classes live in "
        "`configuration_resnet.py` "
        "and `modeling_resnet.py`; the weights are in `model.safetensors` under the wrapper's names "
        "(`model.` + timm's parameter name).\n\n");
    card += architectureTable(config);
    card +=
        QStringLiteral(
            "\n## How to load it\n\n"
            "Loading runs the Python code in this repo, so read it first and pin the commit you reviewed. "
            "Requires `torch`, `timm` and `transformers`.\n\n"
            "```python\nfrom transformers import %1\n\n"
            "model = %1.from_pretrained(\n"
            "    \"%2\", revision=\"<commit>\", trust_remote_code=True\n)\n```\n\n"
            "Replace `<commit>` with the full commit id (40 hexadecimal characters) from this repo's "
            "history: "
            "a branch name such as `main` can move to code you have not reviewed.\n")
            .arg(cls, repo);
    card += QStringLiteral("\nSaved with Model Workbench.\n");
    return card.toUtf8();
}

} // namespace mwb::share
