#include "model/model_panel.h"

#include "config/config_document.h"
#include "config/config_io.h"
#include "model/load_report_dialog.h"
#include "model/model.h"
#include "model/resnet_spec.h"
#include "widgets/error_text.h"
#include "widgets/file_dialog.h"
#include "widgets/message_box.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
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

QString errorText(const Error& error)
{
    return ui::guiErrorText(error);
}

// A built model and the time it took.
struct Built
{
    std::shared_ptr<Model> model;
    qint64 milliseconds = 0;
};

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
    m_totals->setWordWrap(true);

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
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelModelJob"));
    m_cancel->setToolTip(tr("Stop the work in progress; the model stays as it was"));
    connect(m_build, &QPushButton::clicked, this, &ModelPanel::buildModel);
    connect(m_import, &QPushButton::clicked, this, [this] {
        const QString start = QFileInfo(m_document.filePath()).absolutePath();
        const QString path = ui::FileDialog::getOpenFileName(
            this, tr("Import weights"), start,
            tr("Weights (*.safetensors *.bin *.pt *.pth *.ckpt *.json);;All files (*)"));
        if (!path.isEmpty())
            importWeightsFrom(path);
    });
    connect(m_save, &QPushButton::clicked, this, [this] {
        const QString folder = ui::FileDialog::getExistingDirectory(this, tr("Save pretrained model into"));
        if (!folder.isEmpty())
            saveModelTo(folder);
    });
    connect(m_cancel, &QPushButton::clicked, this, &ModelPanel::cancel);

    m_state = new QLabel(this);
    m_state->setObjectName(QStringLiteral("modelState"));
    m_state->setWordWrap(true);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Room for two lines from the start, so a longer message does not push the layout around.
    m_state->setMinimumHeight(2 * fontMetrics().lineSpacing());
    m_state->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_stale = new QLabel(this);
    m_stale->setObjectName(QStringLiteral("modelStale"));
    m_stale->setWordWrap(true);
    m_stale->setStyleSheet(QStringLiteral("color: #b26a00;"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("modelProgress"));
    m_progress->setRange(0, 0); // busy indicator: building and loading report no fraction
    m_progress->setMaximumHeight(fontMetrics().height());
    m_progress->setTextVisible(false);
    QSizePolicy keep = m_progress->sizePolicy();
    keep.setRetainSizeWhenHidden(true);
    m_progress->setSizePolicy(keep);

    auto* actions = new QGroupBox(tr("Model"), this);
    auto* actionRow = new QHBoxLayout;
    actionRow->addWidget(m_build);
    actionRow->addWidget(m_import);
    actionRow->addWidget(m_save);
    actionRow->addStretch();
    actionRow->addWidget(m_progress, 1);
    actionRow->addWidget(m_cancel);
    auto* actionLayout = new QVBoxLayout(actions);
    actionLayout->addLayout(actionRow);
    actionLayout->addWidget(m_stale);
    actionLayout->addWidget(m_state);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(summaryBox, 1);
    layout->addWidget(actions);

    connect(&m_document, &ConfigDocument::changed, this, [this] {
        updateSummary();
        updateState();
        updateButtons();
    });
    updateSummary();
    showResult(tr("No model built yet. The summary above is computed from the config alone."), false);
    updateState();
    updateButtons();
}

ModelPanel::~ModelPanel() = default;

std::shared_ptr<Model> ModelPanel::currentModel() const
{
    return isModelCurrent() ? m_model : nullptr;
}

bool ModelPanel::isModelCurrent() const
{
    return m_model && m_modelConfig == m_document.savedForm();
}

QString ModelPanel::describeModel() const
{
    return tr("%1, %2 parameters")
        .arg(QString::fromStdString(m_model->className()), formatCount(m_model->parameterCount()));
}

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

void ModelPanel::updateState()
{
    // The outcome of the last step, unless it describes a model that no longer matches the config.
    const bool stale = m_model && !isModelCurrent();
    m_stale->setVisible(stale);
    if (stale)
        m_stale->setText(tr("The built model (%1) was built from an earlier version of the config. Build "
                            "again to use or save a model that matches it.")
                             .arg(describeModel()));
    m_state->setStyleSheet(m_resultIsError ? QStringLiteral("color: #c62828;") : QString());
    m_state->setText(m_result);
}

void ModelPanel::updateButtons()
{
    const bool busy = isBusy();
    m_build->setEnabled(!busy && m_document.isValid());
    m_import->setEnabled(!busy && m_document.isValid());
    m_save->setEnabled(!busy && isModelCurrent());
    m_save->setToolTip(isModelCurrent() || !m_model
                           ? tr("Write config.json and model.safetensors into a folder")
                           : tr("The built model does not match the config; build it again first"));
    m_cancel->setEnabled(busy);
    m_progress->setVisible(busy);
}

void ModelPanel::showResult(const QString& message, bool error)
{
    m_result = message;
    m_resultIsError = error;
    updateState();
    Q_EMIT statusMessage(message);
}

void ModelPanel::track(JobBase* job, const QString& message)
{
    m_job = job;
    connect(job, &JobBase::finished, this, &ModelPanel::jobEnded);
    showResult(message, false);
    updateButtons();
    Q_EMIT busyChanged(true);
}

void ModelPanel::jobEnded()
{
    m_job = nullptr;
    updateButtons();
    Q_EMIT busyChanged(false);
}

void ModelPanel::cancel()
{
    if (m_job)
        m_job->cancel();
}

void ModelPanel::publish(std::shared_ptr<Model> model, nlohmann::json builtFrom)
{
    m_model = std::move(model);
    m_modelConfig = std::move(builtFrom);
    m_savedFolder.clear();
    updateState();
    updateButtons();
    Q_EMIT modelChanged();
}

void ModelPanel::buildModel()
{
    if (isBusy() || !m_document.isValid())
        return;
    nlohmann::json config = m_document.savedForm();
    auto* job = startJob<Built>(
        m_jobs, this,
        [config](JobContext&) -> Result<Built> {
            QElapsedTimer timer;
            timer.start();
            auto model = Model::fromConfig(config);
            if (!model)
                return std::unexpected(model.error());
            return Built{std::shared_ptr<Model>(std::move(*model)), timer.elapsed()};
        },
        [this, config](Result<Built> built) {
            if (!built) {
                showResult(built.error().kind == ErrorKind::Cancelled ? tr("Build cancelled.")
                                                                      : errorText(built.error()),
                           built.error().kind != ErrorKind::Cancelled);
                return;
            }
            publish(built->model, config);
            showResult(tr("Built %1 with fresh weights in %2 ms: %3 parameters.")
                           .arg(QString::fromStdString(m_model->className()))
                           .arg(built->milliseconds)
                           .arg(formatCount(m_model->parameterCount())),
                       false);
        });
    track(job, tr("Building the model..."));
}

void ModelPanel::importWeightsFrom(const QString& path)
{
    if (isBusy())
        return;
    if (!isModelCurrent()) {
        // Weights go into the model the config describes; build it first (off the GUI thread).
        buildModel();
        if (isBusy())
            connect(
                this, &ModelPanel::busyChanged, this,
                [this, path](bool busy) {
                    if (!busy && isModelCurrent())
                        importWeightsFrom(path);
                },
                Qt::SingleShotConnection);
        return;
    }
    std::shared_ptr<const Model> model = m_model;
    auto* job = startJob<LoadReport>(
        m_jobs, this, [model, path](JobContext&) { return model->checkWeights(path); },
        [this, path](Result<LoadReport> report) {
            if (!report) {
                const bool cancelled = report.error().kind == ErrorKind::Cancelled;
                showResult(cancelled ? tr("Import cancelled.") : errorText(report.error()), !cancelled);
                return;
            }
            askAndApplyWeights(path, *report);
        });
    track(job, tr("Reading %1...").arg(QFileInfo(path).fileName()));
}

void ModelPanel::askAndApplyWeights(const QString& path, const LoadReport& report)
{
    auto* dialog = new LoadReportDialog(report, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::finished, this, [this, dialog, path](int answer) {
        if (answer != QDialog::Accepted) {
            showResult(tr("Weights not applied."), false);
            return;
        }
        applyWeights(path, dialog->options());
    });
    dialog->open();
}

void ModelPanel::applyWeights(const QString& path, const LoadOptions& options)
{
    if (isBusy() || !isModelCurrent()) {
        showResult(tr("Weights not applied: the config changed while the report was open."), true);
        return;
    }
    // The model in use is only read; the weights go into a copy that replaces it when loaded.
    std::shared_ptr<const Model> model = m_model;
    using Loaded = std::pair<std::shared_ptr<Model>, LoadReport>;
    nlohmann::json builtFrom = m_modelConfig;
    auto* job = startJob<Loaded>(
        m_jobs, this,
        [model, path, options](JobContext& context) -> Result<Loaded> {
            auto copy = model->clone();
            if (!copy)
                return std::unexpected(copy.error());
            if (context.isCancelled())
                return std::unexpected(JobContext::cancelledError());
            auto report = (*copy)->applyWeights(path, options);
            if (!report)
                return std::unexpected(report.error());
            return Loaded{std::shared_ptr<Model>(std::move(*copy)), std::move(*report)};
        },
        [this, builtFrom](Result<Loaded> loaded) {
            if (!loaded) {
                const bool cancelled = loaded.error().kind == ErrorKind::Cancelled;
                showResult(cancelled ? tr("Import cancelled; the model keeps its weights.")
                                     : errorText(loaded.error()),
                           !cancelled);
                return;
            }
            publish(loaded->first, builtFrom);
            const LoadReport& r = loaded->second;
            showResult(tr("Loaded %1 tensors from %2 (%3 converted dtype, %4 left as they were).")
                           .arg(r.count(TensorStatus::Matched))
                           .arg(QString::fromStdString(r.file))
                           .arg(r.convertedCount())
                           .arg(r.count(TensorStatus::Missing) + r.count(TensorStatus::WrongShape)),
                       false);
        });
    track(job, tr("Loading weights..."));
}

void ModelPanel::saveModelTo(const QString& folder)
{
    if (isBusy())
        return;
    if (!isModelCurrent()) {
        showResult(m_model ? tr("Not saved: the built model does not match the config. Build it again first.")
                           : tr("Not saved: build the model first."),
                   true);
        return;
    }
    const QString existing = QDir(folder).filePath(QStringLiteral("config.json"));
    if (QFileInfo::exists(existing)) {
        const auto answer = ui::MessageBox::warning(
            this, tr("Replace the model in this folder?"),
            tr("%1 already holds a model (config.json). Saving replaces its config.json and "
               "model.safetensors.")
                .arg(QDir::toNativeSeparators(folder)),
            QMessageBox::Save | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Save) {
            showResult(tr("Not saved."), false);
            return;
        }
    }
    std::shared_ptr<const Model> model = m_model;
    auto* job = startJob<void>(
        m_jobs, this, [model, folder](JobContext&) { return model->savePretrained(folder); },
        [this, folder](Result<void> saved) {
            if (!saved)
                showResult(saved.error().kind == ErrorKind::Cancelled ? tr("Save cancelled.")
                                                                      : errorText(saved.error()),
                           saved.error().kind != ErrorKind::Cancelled);
            else {
                m_savedFolder = folder;
                showResult(tr("Saved config.json and model.safetensors to %1.").arg(folder), false);
            }
        });
    track(job, tr("Saving to %1...").arg(folder));
}

} // namespace mwb
