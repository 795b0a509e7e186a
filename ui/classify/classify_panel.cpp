#include "classify/classify_panel.h"

#include "background_task.h"
#include "classify/drop_zone.h"
#include "classify/evaluation_view.h"
#include "classify/prediction_bars.h"
#include "inference/classify_export.h"
#include "inference/classify_job.h"
#include "inference/image_files.h"
#include "model/model.h"

#include <QBuffer>
#include <QClipboard>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImageReader>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace mwb {
namespace {

enum Column
{
    ImageColumn,
    TopLabelColumn,
    ScoreColumn,
    StatusColumn,
    ColumnCount
};

constexpr int kThumbnailSize = 48;
constexpr int kPreviewSize = 256;
// Keeping what the model saw costs C*H*W bytes per image; beyond this many images, don't.
constexpr std::size_t kMaxKeptModelInputs = 500;

QImage loadImage(const QString& path, const QByteArray& encoded, int maxSide)
{
    QBuffer buffer;
    QImageReader reader;
    if (encoded.isEmpty()) {
        reader.setFileName(path);
    } else {
        buffer.setData(encoded);
        buffer.open(QIODevice::ReadOnly);
        reader.setDevice(&buffer);
    }
    reader.setAutoTransform(true); // EXIF orientation, as the classifier sees it
    const QSize size = reader.size();
    if (size.isValid() && (size.width() > maxSide || size.height() > maxSide))
        reader.setScaledSize(size.scaled(maxSide, maxSide, Qt::KeepAspectRatio));
    return reader.read();
}

QImage toQImage(const Image8& image)
{
    if (image.pixels.empty())
        return {};
    const QImage::Format format = image.channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888;
    return QImage(image.pixels.data(), image.width, image.height, static_cast<qsizetype>(image.rowBytes()),
                  format)
        .copy();
}

QTableWidgetItem* readOnlyItem(const QString& text)
{
    auto* item = new QTableWidgetItem(text);
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    return item;
}

} // namespace

ClassifyPanel::ClassifyPanel(ModelProvider builtModel, QWidget* parent)
    : QWidget(parent), m_builtModel(std::move(builtModel))
{
    setObjectName(QStringLiteral("classifyPanel"));
    m_dropZone = new DropZone(this);
    connect(m_dropZone, &DropZone::pathsDropped, this, &ClassifyPanel::classifyPaths);
    connect(m_dropZone, &DropZone::imageDropped, this, &ClassifyPanel::classifyEncodedImage);
    connect(m_dropZone, &DropZone::rejected, this, [this](const QString& why) { setStatus(why, true); });
    auto* paste = new QShortcut(QKeySequence::Paste, this, nullptr, nullptr, Qt::WidgetWithChildrenShortcut);
    connect(paste, &QShortcut::activated, this,
            [this] { m_dropZone->acceptMimeData(QGuiApplication::clipboard()->mimeData()); });

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("classifyProgress"));
    m_progress->setFormat(tr("%v of %m images"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("classifyCancel"));
    connect(m_cancel, &QPushButton::clicked, this, &ClassifyPanel::cancel);
    m_exportCsv = new QPushButton(tr("Export CSV..."), this);
    m_exportCsv->setObjectName(QStringLiteral("classifyExportCsv"));
    connect(m_exportCsv, &QPushButton::clicked, this, [this] { exportWithDialog(false); });
    m_exportJson = new QPushButton(tr("Export JSON..."), this);
    m_exportJson->setObjectName(QStringLiteral("classifyExportJson"));
    connect(m_exportJson, &QPushButton::clicked, this, [this] { exportWithDialog(true); });
    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_cancel);
    progressRow->addWidget(m_exportCsv);
    progressRow->addWidget(m_exportJson);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("classifyStatus"));
    m_status->setWordWrap(true);

    m_views = new QTabWidget(this);
    m_views->setObjectName(QStringLiteral("classifyViews"));
    m_views->addTab(createResultsView(), tr("Results"));
    m_evaluationView = new EvaluationView(this);
    m_views->addTab(m_evaluationView, tr("Evaluation"));

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(createControls());
    layout->addWidget(m_dropZone);
    layout->addLayout(progressRow);
    layout->addWidget(m_status);
    layout->addWidget(m_views, 1);
    updateButtons();
}

ClassifyPanel::~ClassifyPanel()
{
    delete m_job; // cancels and waits for the batch in progress
}

QWidget* ClassifyPanel::createControls()
{
    auto* box = new QWidget(this);
    m_modelLabel =
        new QLabel(tr("No model: open a pretrained folder or use the model built in the Model tab."), box);
    m_modelLabel->setObjectName(QStringLiteral("classifyModelLabel"));
    m_modelLabel->setWordWrap(true);
    m_openModel = new QPushButton(tr("Open Pretrained Folder..."), box);
    m_openModel->setObjectName(QStringLiteral("classifyOpenModel"));
    connect(m_openModel, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Open a pretrained model folder"));
        if (!folder.isEmpty())
            openModelFolder(folder);
    });
    m_useBuilt = new QPushButton(tr("Use Built Model"), box);
    m_useBuilt->setObjectName(QStringLiteral("classifyUseBuiltModel"));
    m_useBuilt->setToolTip(tr("Classify with the model built in the Model tab (its weights as they are)"));
    connect(m_useBuilt, &QPushButton::clicked, this, &ClassifyPanel::useBuiltModel);
    m_topK = new QSpinBox(box);
    m_topK->setObjectName(QStringLiteral("classifyTopK"));
    m_topK->setRange(1, 100);
    m_topK->setValue(5);
    m_batchSize = new QSpinBox(box);
    m_batchSize->setObjectName(QStringLiteral("classifyBatchSize"));
    m_batchSize->setRange(1, 256);
    m_batchSize->setValue(8);

    auto* layout = new QHBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_modelLabel, 1);
    layout->addWidget(m_openModel);
    layout->addWidget(m_useBuilt);
    layout->addWidget(new QLabel(tr("Top k:"), box));
    layout->addWidget(m_topK);
    layout->addWidget(new QLabel(tr("Batch:"), box));
    layout->addWidget(m_batchSize);
    return box;
}

QWidget* ClassifyPanel::createResultsView()
{
    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setObjectName(QStringLiteral("classifyResults"));
    m_table->setHorizontalHeaderLabels({tr("Image"), tr("Top prediction"), tr("Score"), tr("Status")});
    m_table->horizontalHeader()->setSectionResizeMode(ImageColumn, QHeaderView::Stretch);
    m_table->verticalHeader()->setDefaultSectionSize(kThumbnailSize + 4);
    m_table->setIconSize(QSize(kThumbnailSize, kThumbnailSize));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    connect(m_table, &QTableWidget::currentCellChanged, this, [this](int row) { showDetails(row); });

    auto* details = new QWidget(this);
    m_previewTitle = new QLabel(details);
    m_previewTitle->setWordWrap(true);
    m_preview = new QLabel(details);
    m_preview->setObjectName(QStringLiteral("classifyPreview"));
    m_preview->setAlignment(Qt::AlignCenter);
    m_preview->setMinimumSize(kPreviewSize / 2, kPreviewSize / 2);
    m_bars = new PredictionBars(details);
    m_modelInput = new QLabel(details);
    m_modelInput->setObjectName(QStringLiteral("modelInputView"));
    m_modelInput->setAlignment(Qt::AlignCenter);
    m_modelInput->setToolTip(
        tr("The pixels after resize and crop, before normalisation: what the model sees"));
    auto* form = new QVBoxLayout(details);
    form->addWidget(m_previewTitle);
    form->addWidget(m_preview);
    form->addWidget(m_bars);
    form->addWidget(new QLabel(tr("What the model sees:"), details));
    form->addWidget(m_modelInput);
    form->addStretch(1);

    auto* splitter = new QSplitter(this);
    splitter->addWidget(m_table);
    splitter->addWidget(details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    return splitter;
}

void ClassifyPanel::setStatus(const QString& message, bool error)
{
    m_status->setText(message);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
    Q_EMIT statusMessage(message);
}

bool ClassifyPanel::isBusy() const
{
    return m_job != nullptr || m_loadingModel;
}

void ClassifyPanel::updateButtons()
{
    const bool running = m_job != nullptr;
    m_cancel->setEnabled(running);
    m_openModel->setEnabled(!isBusy());
    m_useBuilt->setEnabled(!isBusy());
    m_exportCsv->setEnabled(!running && !m_results.empty());
    m_exportJson->setEnabled(!running && !m_results.empty());
    m_dropZone->setEnabled(!isBusy() && m_classifier);
}

void ClassifyPanel::setClassifier(Classifier classifier, const QString& description)
{
    m_classifier = std::move(classifier);
    const auto classes = static_cast<int>(m_classifier->labels().size());
    m_modelLabel->setText(tr("%1 \u2014 %2, %3")
                              .arg(description, classes == 1 ? tr("1 class") : tr("%1 classes").arg(classes),
                                   QString::fromStdString(m_classifier->recipe().summary())));
    updateButtons();
    Q_EMIT classifierChanged();
}

void ClassifyPanel::openModelFolder(const QString& folder)
{
    if (isBusy())
        return;
    m_loadingModel = true;
    updateButtons();
    setStatus(tr("Loading %1...").arg(folder));
    using Loaded = std::shared_ptr<Result<Classifier>>;
    runInBackground<Loaded>(
        this,
        [folder] {
            return std::make_shared<Result<Classifier>>(Classifier::fromPretrained(folder.toStdString()));
        },
        [this, folder](Loaded loaded) {
            m_loadingModel = false;
            if (!*loaded) {
                setStatus(QString::fromStdString(loaded->error().message), true);
                updateButtons();
                return;
            }
            setClassifier(std::move(**loaded), QFileInfo(folder).fileName());
            setStatus(tr("Loaded %1. Drop images to classify them.").arg(folder));
        });
}

QString ClassifyPanel::useOpenedModel(std::shared_ptr<const Model> model,
                                      PreprocessRecipe recipe,
                                      const QString& description)
{
    if (isBusy())
        return tr("The Classify tab is busy; try again when it is done.");
    auto classifier = Classifier::create(std::move(model), std::move(recipe));
    if (!classifier)
        return QString::fromStdString(classifier.error().message);
    setClassifier(std::move(*classifier), description);
    setStatus(tr("Using %1. Drop images to classify them.").arg(description));
    return {};
}

void ClassifyPanel::useBuiltModel()
{
    if (isBusy())
        return;
    std::shared_ptr<Model> model = m_builtModel ? m_builtModel() : nullptr;
    if (!model) {
        setStatus(tr("No model has been built yet: build one in the Model tab, or open a pretrained folder."),
                  true);
        return;
    }
    auto recipe = preprocessRecipeFromJson(nullptr, &model->config());
    if (!recipe) {
        setStatus(QString::fromStdString(recipe.error().message), true);
        return;
    }
    auto classifier = Classifier::create(model, std::move(*recipe));
    if (!classifier) {
        setStatus(QString::fromStdString(classifier.error().message), true);
        return;
    }
    setClassifier(std::move(*classifier),
                  tr("built model (%1)").arg(QString::fromStdString(model->className())));
    setStatus(tr("Using the model built in the Model tab."));
}

void ClassifyPanel::classifyPaths(const QStringList& paths)
{
    if (!m_classifier || isBusy()) {
        setStatus(m_classifier ? tr("Busy: cancel the current batch first.") : tr("Open a model first."),
                  true);
        return;
    }
    if (paths.size() == 1 && QFileInfo(paths.front()).isDir()) {
        auto labelled = scanLabelledFolder(paths.front().toStdString(), m_classifier->labels());
        if (labelled && !labelled->images.empty()) {
            evaluateFolder(paths.front());
            return;
        }
    }
    std::vector<std::filesystem::path> arguments;
    for (const QString& path : paths)
        arguments.push_back(path.toStdString());
    auto files = collectImageFiles(arguments);
    if (!files) {
        setStatus(QString::fromStdString(files.error().message), true);
        return;
    }
    if (files->empty()) {
        setStatus(tr("No image files in what was dropped."), true);
        return;
    }
    std::vector<ImageSource> sources;
    for (const auto& file : *files)
        sources.push_back(ImageSource::file(file));
    startRun(std::move(sources), std::nullopt);
}

void ClassifyPanel::classifyEncodedImage(const QString& name, const QByteArray& bytes)
{
    if (!m_classifier || isBusy()) {
        setStatus(m_classifier ? tr("Busy: cancel the current batch first.") : tr("Open a model first."),
                  true);
        return;
    }
    startRun(
        {ImageSource::encoded(name.toStdString(), std::vector<std::uint8_t>(bytes.begin(), bytes.end()))},
        std::nullopt);
}

void ClassifyPanel::evaluateFolder(const QString& folder)
{
    if (!m_classifier || isBusy())
        return;
    auto labelled = scanLabelledFolder(folder.toStdString(), m_classifier->labels());
    if (!labelled) {
        setStatus(QString::fromStdString(labelled.error().message), true);
        return;
    }
    if (labelled->images.empty()) {
        setStatus(tr("No subfolder of %1 is named after a class of the model.").arg(folder), true);
        return;
    }
    std::vector<ImageSource> sources;
    for (const LabelledImage& image : labelled->images)
        sources.push_back(ImageSource::file(image.path));
    startRun(std::move(sources), std::move(*labelled));
}

void ClassifyPanel::startRun(std::vector<ImageSource> sources, std::optional<LabelledFolder> evaluation)
{
    m_sources = std::move(sources);
    m_evaluationFolder = std::move(evaluation);
    m_results.clear();
    m_encoded.clear();
    m_table->setRowCount(0);
    m_table->setRowCount(static_cast<int>(m_sources.size()));
    for (int row = 0; row < m_table->rowCount(); ++row) {
        const ImageSource& source = m_sources[static_cast<std::size_t>(row)];
        m_encoded.emplace_back(reinterpret_cast<const char*>(source.bytes.data()),
                               static_cast<qsizetype>(source.bytes.size()));
        auto* name =
            readOnlyItem(source.bytes.empty() ? QFileInfo(QString::fromStdString(source.name)).fileName()
                                              : QString::fromStdString(source.name));
        name->setToolTip(QString::fromStdString(source.name));
        m_table->setItem(row, ImageColumn, name);
        m_table->setItem(row, TopLabelColumn, readOnlyItem({}));
        m_table->setItem(row, ScoreColumn, readOnlyItem({}));
        m_table->setItem(row, StatusColumn, readOnlyItem(tr("waiting")));
    }
    m_progress->setRange(0, static_cast<int>(m_sources.size()));
    m_progress->setValue(0);
    m_views->setCurrentIndex(m_evaluationFolder ? 1 : 0);
    if (m_evaluationFolder)
        m_evaluationView->clear();

    const ClassifyOptions options{.topK = m_topK->value(),
                                  .batchSize = m_batchSize->value(),
                                  .keepModelInput = m_sources.size() <= kMaxKeptModelInputs};
    m_job = new ClassifyJob(*m_classifier, m_sources, options, this);
    connect(m_job, &ClassifyJob::imageFinished, this, &ClassifyPanel::showResult);
    connect(m_job, &ClassifyJob::finished, this, &ClassifyPanel::finishRun);
    m_job->start();
    setStatus(tr("Classifying %n image(s)...", "", static_cast<int>(m_sources.size())));
    updateButtons();
}

void ClassifyPanel::showResult(int index, const ClassifyResult& result)
{
    m_results.push_back(result);
    m_progress->setValue(index + 1);
    const QString path = QString::fromStdString(m_sources[static_cast<std::size_t>(index)].path.string());
    const QImage thumbnail = loadImage(path, m_encoded[static_cast<std::size_t>(index)], kThumbnailSize);
    m_table->item(index, ImageColumn)->setIcon(QIcon(QPixmap::fromImage(thumbnail)));
    if (!result.ok()) {
        m_table->item(index, StatusColumn)->setText(tr("error"));
        m_table->item(index, StatusColumn)->setToolTip(QString::fromStdString(result.error->message));
        m_table->item(index, StatusColumn)->setForeground(QColor(0xc6, 0x28, 0x28));
    } else {
        const Prediction& best = result.predictions.front();
        m_table->item(index, TopLabelColumn)->setText(QString::fromStdString(best.label));
        m_table->item(index, ScoreColumn)->setText(QStringLiteral("%1%").arg(best.score * 100, 0, 'f', 1));
        m_table->item(index, StatusColumn)->setText(tr("done"));
    }
    if (index == 0)
        m_table->setCurrentCell(0, ImageColumn);
    else if (m_table->currentRow() == index)
        showDetails(index);
}

void ClassifyPanel::finishRun(bool cancelled)
{
    m_job->deleteLater();
    m_job = nullptr;
    for (int row = static_cast<int>(m_results.size()); row < m_table->rowCount(); ++row)
        m_table->item(row, StatusColumn)->setText(tr("cancelled"));
    const auto failed = std::ranges::count_if(m_results, [](const ClassifyResult& r) { return !r.ok(); });
    QString message = cancelled
                          ? tr("Cancelled after %1 of %2 images.").arg(m_results.size()).arg(m_sources.size())
                          : tr("Classified %n image(s).", "", static_cast<int>(m_results.size()));
    if (failed > 0)
        message += QLatin1Char(' ') +
                   tr("%n image(s) could not be read; see the Status column.", "", static_cast<int>(failed));
    if (m_evaluationFolder) {
        Evaluation evaluation = evaluate(*m_evaluationFolder, m_results, m_classifier->labels());
        message += QLatin1Char(' ') + tr("Accuracy %1%.").arg(evaluation.accuracy * 100, 0, 'f', 1);
        m_evaluationView->showEvaluation(*m_evaluationFolder, m_results, std::move(evaluation));
    }
    setStatus(message, failed > 0);
    updateButtons();
    Q_EMIT runFinished(cancelled);
}

void ClassifyPanel::showDetails(int row)
{
    if (row < 0 || row >= static_cast<int>(m_sources.size())) {
        m_preview->clear();
        m_bars->setPredictions({});
        m_modelInput->clear();
        return;
    }
    const std::size_t index = static_cast<std::size_t>(row);
    const ImageSource& source = m_sources[index];
    m_previewTitle->setText(QString::fromStdString(source.name));
    m_preview->setPixmap(QPixmap::fromImage(
        loadImage(QString::fromStdString(source.path.string()), m_encoded[index], kPreviewSize)));
    if (index >= m_results.size()) {
        m_bars->setMessage(tr("Not classified yet."));
        m_modelInput->clear();
        return;
    }
    const ClassifyResult& result = m_results[index];
    if (!result.ok())
        m_bars->setMessage(QString::fromStdString(result.error->message));
    else
        m_bars->setPredictions(result.predictions);
    const QImage seen = toQImage(result.modelInput);
    // Small model inputs are enlarged without smoothing so their pixels stay visible.
    m_modelInput->setPixmap(
        seen.isNull()
            ? QPixmap()
            : QPixmap::fromImage(seen.width() < 160 ? seen.scaled(seen.size() * (224 / seen.width()),
                                                                  Qt::KeepAspectRatio, Qt::FastTransformation)
                                                    : seen));
    m_modelInput->setToolTip(
        tr("%1x%2 pixels after resize and crop: what the model sees").arg(result.width).arg(result.height));
}

void ClassifyPanel::cancel()
{
    if (m_job) {
        m_job->cancel();
        setStatus(tr("Cancelling after the current batch..."));
    }
}

bool ClassifyPanel::exportCsv(const QString& path)
{
    if (auto written = writeResultsCsv(path, m_results); !written) {
        setStatus(QString::fromStdString(written.error().message), true);
        return false;
    }
    setStatus(tr("Exported %n result(s) to %1", "", static_cast<int>(m_results.size())).arg(path));
    return true;
}

bool ClassifyPanel::exportJson(const QString& path)
{
    if (auto written = writeResultsJson(path, m_results); !written) {
        setStatus(QString::fromStdString(written.error().message), true);
        return false;
    }
    setStatus(tr("Exported %n result(s) to %1", "", static_cast<int>(m_results.size())).arg(path));
    return true;
}

void ClassifyPanel::exportWithDialog(bool json)
{
    const QString path = QFileDialog::getSaveFileName(
        this, json ? tr("Export results as JSON") : tr("Export results as CSV"),
        json ? QStringLiteral("predictions.json") : QStringLiteral("predictions.csv"),
        json ? tr("JSON (*.json)") : tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    json ? exportJson(path) : exportCsv(path);
}

} // namespace mwb
