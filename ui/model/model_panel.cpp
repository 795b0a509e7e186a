#include "model/model_panel.h"

#include "background_task.h"
#include "config/config_document.h"
#include "config/config_io.h"
#include "model/load_report_dialog.h"
#include "model/model.h"
#include "model/resnet_spec.h"

#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace mwb {

namespace {

QString formatCount(std::uint64_t n)
{
    return QLocale(QLocale::English).toString(static_cast<qulonglong>(n));
}

QString formatGmacs(std::uint64_t macs)
{
    return QString::number(static_cast<double>(macs) / 1e9, 'f', 2);
}

QString shapeText(const std::vector<std::int64_t>& shape)
{
    return QString::fromStdString(formatShape(shape));
}

} // namespace

ModelPanel::ModelPanel(ConfigDocument& document, QWidget* parent) : QWidget(parent), m_document(document)
{
    setObjectName(QStringLiteral("modelPanel"));

    m_height = new QSpinBox(this);
    m_height->setObjectName(QStringLiteral("inputHeight"));
    m_width = new QSpinBox(this);
    m_width->setObjectName(QStringLiteral("inputWidth"));
    for (QSpinBox* box : {m_height, m_width}) {
        box->setRange(1, 4096);
        box->setValue(224);
        connect(box, &QSpinBox::valueChanged, this, &ModelPanel::updateSummary);
    }
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(new QLabel(tr("Input size:"), this));
    sizeRow->addWidget(m_height);
    sizeRow->addWidget(new QLabel(QStringLiteral("\u00d7"), this));
    sizeRow->addWidget(m_width);
    sizeRow->addStretch();

    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("summaryTable"));
    m_table->setColumnCount(5);
    m_table->setHorizontalHeaderLabels(
        {tr("Stage"), tr("Layers"), tr("Output shape"), tr("Parameters"), tr("GMACs")});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);

    m_totals = new QLabel(this);
    m_totals->setObjectName(QStringLiteral("summaryTotals"));
    m_totals->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* summaryBox = new QGroupBox(tr("Architecture"), this);
    auto* summaryLayout = new QVBoxLayout(summaryBox);
    summaryLayout->addLayout(sizeRow);
    summaryLayout->addWidget(m_table);
    summaryLayout->addWidget(m_totals);

    m_build = new QPushButton(tr("Build model"), this);
    m_build->setObjectName(QStringLiteral("buildModel"));
    m_build->setToolTip(tr("Instantiate the model with fresh weights, as timm initialises them"));
    m_import = new QPushButton(tr("Import weights..."), this);
    m_import->setObjectName(QStringLiteral("importWeights"));
    m_import->setToolTip(tr("Load safetensors or PyTorch weights (timm's or the wrapper's key names); "
                            "you see a load report before anything is applied"));
    m_save = new QPushButton(tr("Save pretrained..."), this);
    m_save->setObjectName(QStringLiteral("savePretrained"));
    m_save->setToolTip(tr("Write config.json and model.safetensors into a folder"));
    connect(m_build, &QPushButton::clicked, this, &ModelPanel::buildModel);
    connect(m_import, &QPushButton::clicked, this, [this] {
        const QString start = QFileInfo(m_document.filePath()).absolutePath();
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Import weights"), start,
            tr("Weights (*.safetensors *.bin *.pt *.pth *.ckpt *.json);;All files (*)"));
        if (!path.isEmpty())
            importWeightsFrom(path);
    });
    connect(m_save, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Save pretrained model into"));
        if (!folder.isEmpty())
            saveModelTo(folder);
    });

    m_state = new QLabel(this);
    m_state->setObjectName(QStringLiteral("modelState"));
    m_state->setWordWrap(true);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* actions = new QGroupBox(tr("Model"), this);
    auto* actionRow = new QHBoxLayout;
    actionRow->addWidget(m_build);
    actionRow->addWidget(m_import);
    actionRow->addWidget(m_save);
    actionRow->addStretch();
    auto* actionLayout = new QVBoxLayout(actions);
    actionLayout->addLayout(actionRow);
    actionLayout->addWidget(m_state);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(summaryBox, 1);
    layout->addWidget(actions);

    connect(&m_document, &ConfigDocument::changed, this, [this] {
        if (m_model)
            m_modelIsCurrent = false;
        updateSummary();
        setBusy(m_busy);
    });
    updateSummary();
    showResult(tr("No model built yet. The summary above is computed from the config alone."), false);
    setBusy(false);
}

ModelPanel::~ModelPanel() = default;

void ModelPanel::updateSummary()
{
    if (!m_document.isValid()) {
        m_table->setRowCount(0);
        m_totals->setText(tr("Fix the config's problems to see the model."));
        return;
    }
    const auto spec = ResnetSpec::fromConfig(effectiveConfig(m_document.savedForm(), m_document.schema()));
    const ModelSummary summary = summarize(spec, m_height->value(), m_width->value());
    m_table->setRowCount(static_cast<int>(summary.rows.size()));
    for (int row = 0; row < m_table->rowCount(); ++row) {
        const SummaryRow& r = summary.rows[static_cast<size_t>(row)];
        const QStringList cells = {QString::fromStdString(r.name), QString::fromStdString(r.description),
                                   shapeText(r.outputShape), formatCount(r.parameters), formatGmacs(r.macs)};
        for (int column = 0; column < cells.size(); ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            if (column >= 3)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_table->setItem(row, column, item);
        }
    }
    m_table->resizeColumnToContents(0);
    m_table->resizeColumnToContents(2);
    m_totals->setText(
        tr("<b>%1</b> parameters &nbsp;·&nbsp; <b>%2</b> GMACs at %3\u00d7%4 &nbsp;·&nbsp; input %5")
            .arg(formatCount(summary.totalParameters), formatGmacs(summary.totalMacs))
            .arg(m_height->value())
            .arg(m_width->value())
            .arg(shapeText(summary.inputShape)));
}

void ModelPanel::setBusy(bool busy, const QString& message)
{
    m_busy = busy;
    m_build->setEnabled(!busy && m_document.isValid());
    m_import->setEnabled(!busy && m_document.isValid());
    m_save->setEnabled(!busy && m_model && m_modelIsCurrent);
    if (!message.isEmpty())
        m_state->setText(message);
    Q_EMIT busyChanged(busy);
}

void ModelPanel::showResult(const QString& message, bool error)
{
    m_state->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
    m_state->setText(message);
    Q_EMIT statusMessage(message);
}

void ModelPanel::buildModel()
{
    if (m_busy || !m_document.isValid())
        return;
    setBusy(true, tr("Building the model..."));
    const nlohmann::json config = m_document.savedForm();
    using Built = std::pair<Result<std::unique_ptr<Model>>, qint64>;
    runInBackground<std::shared_ptr<Built>>(
        this,
        [config] {
            QElapsedTimer timer;
            timer.start();
            auto model = Model::fromConfig(config);
            return std::make_shared<Built>(std::move(model), timer.elapsed());
        },
        [this](std::shared_ptr<Built> built) {
            auto& [model, ms] = *built;
            if (!model) {
                setBusy(false);
                showResult(QString::fromStdString(model.error().message), true);
                return;
            }
            m_model = std::shared_ptr<Model>(std::move(*model));
            m_modelIsCurrent = true;
            setBusy(false);
            showResult(tr("Built %1 with fresh weights in %2 ms: %3 parameters.")
                           .arg(QString::fromStdString(m_model->className()))
                           .arg(ms)
                           .arg(formatCount(m_model->parameterCount())),
                       false);
            Q_EMIT modelChanged();
        });
}

void ModelPanel::importWeightsFrom(const QString& path)
{
    if (m_busy)
        return;
    if (!m_model || !m_modelIsCurrent) {
        // Weights go into the model the config describes; build it first (off the GUI thread).
        connect(
            this, &ModelPanel::modelChanged, this, [this, path] { importWeightsFrom(path); },
            Qt::SingleShotConnection);
        buildModel();
        return;
    }
    setBusy(true, tr("Reading %1...").arg(QFileInfo(path).fileName()));
    std::shared_ptr<Model> model = m_model;
    runInBackground<std::shared_ptr<Result<LoadReport>>>(
        this, [model, path] { return std::make_shared<Result<LoadReport>>(model->checkWeights(path)); },
        [this, path](std::shared_ptr<Result<LoadReport>> report) {
            setBusy(false);
            if (!*report) {
                showResult(QString::fromStdString(report->error().message), true);
                return;
            }
            askAndApplyWeights(path, **report);
        });
}

void ModelPanel::askAndApplyWeights(const QString& path, const LoadReport& report)
{
    LoadReportDialog dialog(report, this);
    if (dialog.exec() != QDialog::Accepted) {
        showResult(tr("Weights not applied."), false);
        return;
    }
    const LoadOptions options = dialog.options();
    setBusy(true, tr("Loading weights..."));
    std::shared_ptr<Model> model = m_model;
    runInBackground<std::shared_ptr<Result<LoadReport>>>(
        this,
        [model, path, options] {
            return std::make_shared<Result<LoadReport>>(model->applyWeights(path, options));
        },
        [this](std::shared_ptr<Result<LoadReport>> applied) {
            setBusy(false);
            if (!*applied) {
                showResult(QString::fromStdString(applied->error().message), true);
                return;
            }
            const LoadReport& r = **applied;
            showResult(tr("Loaded %1 tensors from %2 (%3 converted dtype, %4 left as they were).")
                           .arg(r.count(TensorStatus::Matched))
                           .arg(QString::fromStdString(r.file))
                           .arg(r.convertedCount())
                           .arg(r.count(TensorStatus::Missing) + r.count(TensorStatus::WrongShape)),
                       false);
            Q_EMIT modelChanged();
        });
}

void ModelPanel::saveModelTo(const QString& folder)
{
    if (m_busy || !m_model)
        return;
    setBusy(true, tr("Saving to %1...").arg(folder));
    std::shared_ptr<Model> model = m_model;
    runInBackground<std::shared_ptr<Result<void>>>(
        this, [model, folder] { return std::make_shared<Result<void>>(model->savePretrained(folder)); },
        [this, folder](std::shared_ptr<Result<void>> saved) {
            setBusy(false);
            if (!*saved)
                showResult(QString::fromStdString(saved->error().message), true);
            else
                showResult(tr("Saved config.json and model.safetensors to %1.").arg(folder), false);
        });
}

} // namespace mwb
