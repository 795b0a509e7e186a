#include "train/train_form.h"

#include "builtin/builtin_models.h"
#include "config/config_document.h"
#include "config/config_io.h"
#include "inference/engine/precision.h"
#include "train/image_dataset.h"
#include "widgets/file_dialog.h"

#include <limits>

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace mwb::ui {

namespace {

QString fashionFolder()
{
    return QString::fromStdString(installedFashionMnistFolder().string());
}

QString builtinFolder()
{
    const auto folder = builtinModelFolder(kDefaultBuiltinModel);
    return folder ? QString::fromStdString(folder->string()) : QString();
}

QString newDefaultOutput()
{
    QString base = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (base.isEmpty())
        base = QDir::homePath();
    return QDir(base).filePath(QStringLiteral("Model Workbench/training-") +
                               QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
}

QHBoxLayout* row(std::initializer_list<QWidget*> widgets)
{
    auto* layout = new QHBoxLayout;
    layout->setContentsMargins(0, 0, 0, 0);
    bool first = true;
    for (QWidget* widget : widgets) {
        layout->addWidget(widget, first ? 1 : 0);
        first = false;
    }
    return layout;
}

QFormLayout* compactForm(QWidget* parent)
{
    auto* form = new QFormLayout(parent);
    form->setContentsMargins(6, 4, 6, 4);
    form->setVerticalSpacing(4);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    return form;
}

} // namespace

TrainForm::TrainForm(const ConfigDocument& editor, QWidget* parent)
    : QWidget(parent), m_editor(editor), m_defaultOutput(newDefaultOutput())
{
    setObjectName(QStringLiteral("trainForm"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(createDataBox());
    layout->addWidget(createModelBox());
    layout->addWidget(createTrainingBox());
    // The data a new user has at hand, when Debian's dataset-fashion-mnist is installed.
    setDataKind(DataKind::FashionMnist);
    fillValidationKinds();
    updateVisibility();
}

QPushButton* TrainForm::browseButton(QLineEdit* into, const QString& caption)
{
    auto* button = new QPushButton(tr("Browse..."), this);
    connect(button, &QPushButton::clicked, this, [this, into, caption] {
        const QString folder = FileDialog::getExistingDirectory(this, caption, into->text());
        if (!folder.isEmpty())
            into->setText(folder);
    });
    return button;
}

QWidget* TrainForm::createDataBox()
{
    auto* box = new QGroupBox(tr("Data"), this);
    auto* form = compactForm(box);
    m_dataKind = new QComboBox(box);
    m_dataKind->setObjectName(QStringLiteral("trainDataKind"));
    m_dataKind->addItem(tr("Folder of class subfolders"), static_cast<int>(DataKind::Folder));
    if (!fashionFolder().isEmpty())
        m_dataKind->addItem(tr("Installed Fashion-MNIST (60,000 images)"),
                            static_cast<int>(DataKind::FashionMnist));
    m_dataPath = new QLineEdit(box);
    m_dataPath->setObjectName(QStringLiteral("trainDataPath"));
    m_dataPath->setPlaceholderText(tr("DATA/<class name>/*.png, *.jpg, ..."));
    m_dataBrowse = browseButton(m_dataPath, tr("Folder of class subfolders"));
    form->addRow(tr("Train on:"), m_dataKind);
    form->addRow(tr("Folder:"), row({m_dataPath, m_dataBrowse}));

    m_validationKind = new QComboBox(box);
    m_validationKind->setObjectName(QStringLiteral("trainValidationKind"));
    m_validationSplit = new QDoubleSpinBox(box);
    m_validationSplit->setObjectName(QStringLiteral("trainValidationSplit"));
    m_validationSplit->setRange(1, 90);
    m_validationSplit->setDecimals(0);
    m_validationSplit->setValue(10);
    m_validationSplit->setSuffix(tr(" %"));
    m_validationSplit->setToolTip(tr("The share of the training images held out (a seeded shuffle)"));
    m_validationPath = new QLineEdit(box);
    m_validationPath->setObjectName(QStringLiteral("trainValidationPath"));
    m_validationPath->setPlaceholderText(tr("a folder with the same class subfolders"));
    m_validationBrowse = browseButton(m_validationPath, tr("Validation folder"));
    form->addRow(tr("Validate on:"), row({m_validationKind, m_validationSplit}));
    form->addRow(QString(), row({m_validationPath, m_validationBrowse}));

    m_limit = new QSpinBox(box);
    m_limit->setObjectName(QStringLiteral("trainLimit"));
    m_limit->setRange(0, std::numeric_limits<int>::max());
    m_limit->setSingleStep(1000);
    m_limit->setSpecialValueText(tr("all images"));
    m_limit->setSuffix(tr(" images each"));
    m_limit->setToolTip(tr("Use at most this many training images, and as many validation images (a quick "
                           "try on part of a large data set)"));
    form->addRow(tr("Use at most:"), m_limit);

    connect(m_dataKind, &QComboBox::currentIndexChanged, this, [this] {
        fillValidationKinds();
        updateVisibility();
    });
    connect(m_validationKind, &QComboBox::currentIndexChanged, this, &TrainForm::updateVisibility);
    return box;
}

QWidget* TrainForm::createModelBox()
{
    auto* box = new QGroupBox(tr("Model"), this);
    auto* form = compactForm(box);
    m_modelKind = new QComboBox(box);
    m_modelKind->setObjectName(QStringLiteral("trainModelKind"));
    m_modelKind->addItem(tr("Config in the Model tab (fresh weights)"),
                         static_cast<int>(ModelKind::EditorConfig));
    m_modelKind->addItem(tr("Pretrained folder (fine-tune)"), static_cast<int>(ModelKind::Pretrained));
    if (!builtinFolder().isEmpty())
        m_modelKind->addItem(tr("Built-in %1 model (fine-tune)").arg(QLatin1String(kDefaultBuiltinModel)),
                             static_cast<int>(ModelKind::Builtin));
    m_modelPath = new QLineEdit(box);
    m_modelPath->setObjectName(QStringLiteral("trainModelPath"));
    m_modelPath->setPlaceholderText(tr("a folder with config.json and model.safetensors"));
    m_modelBrowse = browseButton(m_modelPath, tr("Pretrained folder"));
    m_freezeBackbone = new QCheckBox(tr("Freeze backbone (train the classifier only)"), box);
    m_freezeBackbone->setObjectName(QStringLiteral("trainFreezeBackbone"));
    form->addRow(tr("Start from:"), m_modelKind);
    form->addRow(QString(), row({m_modelPath, m_modelBrowse}));
    form->addRow(QString(), m_freezeBackbone);
    connect(m_modelKind, &QComboBox::currentIndexChanged, this, &TrainForm::updateVisibility);
    return box;
}

QWidget* TrainForm::createTrainingBox()
{
    auto* box = new QGroupBox(tr("Training"), this);
    auto* grid = new QGridLayout(box);
    grid->setContentsMargins(6, 4, 6, 4);
    grid->setVerticalSpacing(4);
    auto spin = [box](const char* name, int min, int max, int value) {
        auto* s = new QSpinBox(box);
        s->setObjectName(QLatin1String(name));
        s->setRange(min, max);
        s->setValue(value);
        return s;
    };
    m_epochs = spin("trainEpochs", 1, 10000, 5);
    m_batchSize = spin("trainBatchSize", 1, 65536, 64);
    m_learningRate = new QDoubleSpinBox(box);
    m_learningRate->setObjectName(QStringLiteral("trainLearningRate"));
    m_learningRate->setDecimals(5);
    m_learningRate->setRange(0.00001, 10);
    m_learningRate->setSingleStep(0.0001);
    m_learningRate->setValue(0.001);
    m_learningRate->setToolTip(tr("The peak learning rate (cosine schedule with a linear warm-up)"));
    m_optimizer = new QComboBox(box);
    m_optimizer->setObjectName(QStringLiteral("trainOptimizer"));
    m_optimizer->addItem(QStringLiteral("AdamW"), static_cast<int>(OptimizerKind::AdamW));
    m_optimizer->addItem(tr("SGD (momentum)"), static_cast<int>(OptimizerKind::Sgd));
    m_inputSize = spin("trainInputSize", 7, 1024, 7);
    m_inputSize->setSpecialValueText(tr("automatic"));
    m_inputSize->setSuffix(tr(" px"));
    m_inputSize->setToolTip(tr("The square side images are resized to. Automatic: the pretrained model's "
                               "recipe, 28 for Fashion-MNIST, else 224."));
    m_seed = spin("trainSeed", 0, std::numeric_limits<int>::max(), 0);
    m_precision = new QComboBox(box);
    m_precision->setObjectName(QStringLiteral("trainPrecision"));
    m_precision->addItem(tr("fp32"), static_cast<int>(TrainPrecision::Float32));
    m_precision->addItem(tr("bf16 autocast"), static_cast<int>(TrainPrecision::BFloat16));
    if (!cpuHasBFloat16()) {
        // Shown but not selectable: the user learns the option exists and why it is off.
        m_precision->setItemData(1, 0, Qt::UserRole - 1);
        m_precision->setItemData(1, tr("This CPU has neither AVX512_BF16 nor AMX"), Qt::ToolTipRole);
    }
    m_precision->setToolTip(tr("bf16 autocast runs the forward pass in bfloat16 (weights, gradients and "
                               "the optimizer stay fp32)"));
    m_threads = spin("trainThreads", 0, 1024, 0);
    m_threads->setSpecialValueText(tr("all cores (%1)").arg(physicalCoreCount()));
    m_threads->setToolTip(tr("Threads each step computes on"));
    m_output = new QLineEdit(m_defaultOutput, box);
    m_output->setObjectName(QStringLiteral("trainOutput"));
    m_output->setToolTip(tr("The best epoch is saved here as a pretrained folder, with training.json and "
                            "the last checkpoint"));

    auto label = [box](const QString& text) { return new QLabel(text, box); };
    grid->addWidget(label(tr("Epochs:")), 0, 0);
    grid->addWidget(m_epochs, 0, 1);
    grid->addWidget(label(tr("Batch:")), 0, 2);
    grid->addWidget(m_batchSize, 0, 3);
    grid->addWidget(label(tr("Learning rate:")), 1, 0);
    grid->addWidget(m_learningRate, 1, 1);
    grid->addWidget(m_optimizer, 1, 2, 1, 2);
    grid->addWidget(label(tr("Input size:")), 2, 0);
    grid->addWidget(m_inputSize, 2, 1);
    grid->addWidget(label(tr("Seed:")), 2, 2);
    grid->addWidget(m_seed, 2, 3);
    grid->addWidget(label(tr("Precision:")), 3, 0);
    grid->addWidget(m_precision, 3, 1);
    grid->addWidget(label(tr("Threads:")), 3, 2);
    grid->addWidget(m_threads, 3, 3);
    grid->addWidget(label(tr("Output:")), 4, 0);
    grid->addLayout(row({m_output, browseButton(m_output, tr("Output folder"))}), 4, 1, 1, 3);
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(3, 1);
    return box;
}

void TrainForm::fillValidationKinds()
{
    const auto previous = m_validationKind->currentData();
    const QSignalBlocker blocker(m_validationKind);
    m_validationKind->clear();
    if (m_dataKind->currentData().toInt() == static_cast<int>(DataKind::FashionMnist))
        m_validationKind->addItem(tr("Fashion-MNIST test split"),
                                  static_cast<int>(ValidationKind::TestSplit));
    m_validationKind->addItem(tr("Hold out of the training data"), static_cast<int>(ValidationKind::HoldOut));
    m_validationKind->addItem(tr("Folder"), static_cast<int>(ValidationKind::Folder));
    const int index = m_validationKind->findData(previous);
    m_validationKind->setCurrentIndex(
        index >= 0 && previous.toInt() != static_cast<int>(ValidationKind::HoldOut) ? index : 0);
}

void TrainForm::updateVisibility()
{
    const bool folder = m_dataKind->currentData().toInt() == static_cast<int>(DataKind::Folder);
    m_dataPath->setEnabled(folder);
    m_dataBrowse->setEnabled(folder);
    if (!folder)
        m_dataPath->setText(fashionFolder());
    else if (m_dataPath->text() == fashionFolder())
        m_dataPath->clear();
    const int validation = m_validationKind->currentData().toInt();
    m_validationSplit->setVisible(validation == static_cast<int>(ValidationKind::HoldOut));
    m_validationPath->setVisible(validation == static_cast<int>(ValidationKind::Folder));
    m_validationBrowse->setVisible(validation == static_cast<int>(ValidationKind::Folder));
    const bool pretrained = m_modelKind->currentData().toInt() == static_cast<int>(ModelKind::Pretrained);
    m_modelPath->setVisible(pretrained);
    m_modelBrowse->setVisible(pretrained);
}

void TrainForm::setDataKind(DataKind kind)
{
    const int index = m_dataKind->findData(static_cast<int>(kind));
    if (index >= 0)
        m_dataKind->setCurrentIndex(index);
}

void TrainForm::setValidationKind(ValidationKind kind)
{
    const int index = m_validationKind->findData(static_cast<int>(kind));
    if (index >= 0)
        m_validationKind->setCurrentIndex(index);
}

void TrainForm::setModelKind(ModelKind kind)
{
    m_modelKind->setCurrentIndex(m_modelKind->findData(static_cast<int>(kind)));
}

QString TrainForm::outputFolder() const
{
    return m_output->text().trimmed();
}

void TrainForm::renewDefaultOutput()
{
    if (m_output->text() != m_defaultOutput)
        return;
    m_defaultOutput = newDefaultOutput();
    m_output->setText(m_defaultOutput);
}

Result<TrainingSettings> TrainForm::settings() const
{
    auto existingFolder = [](const QString& path, const QString& what) -> Result<void> {
        if (path.isEmpty())
            return fail(ErrorKind::InvalidInput,
                        (what + QStringLiteral(": choose a folder first")).toStdString());
        if (!QFileInfo(path).isDir())
            return fail(ErrorKind::InvalidInput,
                        (what + QStringLiteral(": %1 is not a folder").arg(path)).toStdString());
        return {};
    };
    TrainingSettings s;
    const QString dataFolder = m_dataPath->text().trimmed();
    if (auto ok = existingFolder(dataFolder, tr("Data")); !ok)
        return std::unexpected(ok.error());
    s.request.data = dataFolder.toStdString();
    switch (static_cast<ValidationKind>(m_validationKind->currentData().toInt())) {
    case ValidationKind::TestSplit:
        break; // prepareTraining validates Fashion-MNIST on its test split by default
    case ValidationKind::HoldOut:
        s.request.validationSplit = m_validationSplit->value() / 100.0;
        break;
    case ValidationKind::Folder: {
        const QString folder = m_validationPath->text().trimmed();
        if (auto ok = existingFolder(folder, tr("Validation folder")); !ok)
            return std::unexpected(ok.error());
        s.request.validation = folder.toStdString();
        break;
    }
    }
    s.request.limit = s.request.validationLimit = static_cast<std::size_t>(m_limit->value());
    if (m_inputSize->value() >= 8)
        s.request.inputSize = m_inputSize->value();

    switch (static_cast<ModelKind>(m_modelKind->currentData().toInt())) {
    case ModelKind::EditorConfig:
        if (!m_editor.isValid())
            return fail(ErrorKind::InvalidInput,
                        tr("The config in the Model tab has %n problem(s); fix the fields marked in red "
                           "there first.",
                           "", static_cast<int>(m_editor.problems().size()))
                            .toStdString());
        s.editorConfig = serializeConfig(m_editor.savedForm());
        break;
    case ModelKind::Pretrained: {
        const QString folder = m_modelPath->text().trimmed();
        if (auto ok = existingFolder(folder, tr("Pretrained folder")); !ok)
            return std::unexpected(ok.error());
        if (!QFileInfo::exists(QDir(folder).filePath(QStringLiteral("config.json"))))
            return fail(ErrorKind::InvalidInput,
                        tr("Pretrained folder: %1 has no config.json").arg(folder).toStdString());
        s.request.model = folder.toStdString();
        break;
    }
    case ModelKind::Builtin:
        s.request.model = builtinFolder().toStdString();
        break;
    }

    TrainOptions& o = s.options;
    o.epochs = m_epochs->value();
    o.batchSize = m_batchSize->value();
    o.learningRate = m_learningRate->value();
    o.optimizer = static_cast<OptimizerKind>(m_optimizer->currentData().toInt());
    o.freezeBackbone = m_freezeBackbone->isChecked();
    o.seed = static_cast<std::uint64_t>(m_seed->value());
    s.request.seed = o.seed;
    o.precision = static_cast<TrainPrecision>(m_precision->currentData().toInt());
    o.threads = m_threads->value();
    if (outputFolder().isEmpty())
        return fail(ErrorKind::InvalidInput,
                    tr("Output: choose the folder the trained model goes to").toStdString());
    s.output = outputFolder().toStdString();
    return s;
}

} // namespace mwb::ui
