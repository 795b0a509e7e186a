#include "train/train_panel.h"

#include "classify/classify_panel.h"
#include "hub/hub_paths.h"
#include "jobs/job.h"
#include "open/open_model.h"
#include "share/share_window.h"
#include "train/confusion_matrix_view.h"
#include "train/train_form.h"
#include "train/training_chart.h"
#include "train/training_run.h"
#include "widgets/error_text.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace mwb::ui {

namespace {

QString percent(double fraction)
{
    return QStringLiteral("%1%").arg(fraction * 100, 0, 'f', 2);
}

QString epochLine(const EpochReport& r)
{
    return QObject::tr("epoch %1/%2  train loss %3 acc %4  val loss %5 acc %6  %7 img/s  %8 s%9")
        .arg(r.epoch)
        .arg(r.epochs)
        .arg(r.trainLoss, 0, 'f', 4)
        .arg(percent(r.trainAccuracy))
        .arg(r.validationLoss, 0, 'f', 4)
        .arg(percent(r.validationAccuracy))
        .arg(r.imagesPerSecond, 0, 'f', 1)
        .arg(r.seconds, 0, 'f', 1)
        .arg(r.best ? QObject::tr("  best") : QString());
}

bool holdsTrainedModel(const QString& folder)
{
    return QFileInfo::exists(QDir(folder).filePath(QStringLiteral("model.safetensors"))) &&
           QFileInfo::exists(QDir(folder).filePath(QStringLiteral("config.json")));
}

} // namespace

TrainPanel::TrainPanel(const ConfigDocument& editor, QWidget* parent)
    : QWidget(parent), m_pool(std::make_unique<JobPool>(1)), m_editor(editor)
{
    setObjectName(QStringLiteral("trainPanel"));
    m_chart = new TrainingChart(this);
    m_confusion = new ConfusionMatrixView(this);
    m_log = new QPlainTextEdit(this);
    m_log->setObjectName(QStringLiteral("trainLog"));
    m_log->setReadOnly(true);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setPlaceholderText(tr("What was loaded, and a line per epoch, appear here."));
    m_details = new QTabWidget(this);
    m_details->setObjectName(QStringLiteral("trainDetails"));
    m_details->addTab(m_confusion, tr("Confusion matrix (best epoch)"));
    m_details->addTab(m_log, tr("Log"));

    auto* right = new QSplitter(Qt::Vertical, this);
    right->setChildrenCollapsible(false);
    right->addWidget(m_chart);
    right->addWidget(m_details);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);

    auto* scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("trainControlsScroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setWidget(createControls());
    scroll->setMinimumWidth(scroll->widget()->sizeHint().width() + 16);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(scroll);
    layout->addWidget(right, 1);

    m_drainTimer = new QTimer(this);
    m_drainTimer->setInterval(100);
    connect(m_drainTimer, &QTimer::timeout, this, &TrainPanel::drainFeed);
    updateButtons();
}

TrainPanel::~TrainPanel()
{
    if (m_feed)
        m_feed->control.cancel.store(true); // also wakes a paused run
    delete m_job;                           // detaches it; the pool then waits for its current step
    delete m_openJob;
    m_job = m_openJob = nullptr;
}

QWidget* TrainPanel::createControls()
{
    auto* controls = new QWidget(this);
    m_form = new TrainForm(m_editor, controls);
    auto button = [controls](const QString& text, const char* name) {
        auto* b = new QPushButton(text, controls);
        b->setObjectName(QLatin1String(name));
        return b;
    };
    m_start = button(tr("&Start"), "trainStart");
    m_start->setIcon(QIcon::fromTheme(QStringLiteral("media-playback-start")));
    m_pause = button(tr("&Pause"), "trainPause");
    m_cancel = button(tr("Cancel"), "trainCancel");
    m_cancel->setToolTip(tr("Stop at the next step; the last checkpoint and the best epoch so far stay in "
                            "the output folder"));
    m_use = button(tr("&Use in Classify"), "trainUseInClassify");
    m_use->setToolTip(tr("Classify images with the best epoch of this run in the Classify tab"));
    m_push = button(tr("P&ush..."), "trainPush");
    m_push->setToolTip(tr("Share the trained model on the Hub"));
    connect(m_start, &QPushButton::clicked, this, &TrainPanel::start);
    connect(m_pause, &QPushButton::clicked, this, &TrainPanel::togglePause);
    connect(m_cancel, &QPushButton::clicked, this, &TrainPanel::cancel);
    connect(m_use, &QPushButton::clicked, this, &TrainPanel::useInClassify);
    connect(m_push, &QPushButton::clicked, this, &TrainPanel::push);

    m_progress = new QProgressBar(controls);
    m_progress->setObjectName(QStringLiteral("trainProgress"));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_status = new QLabel(tr("Choose the data and the model, then Start."), controls);
    m_status->setObjectName(QStringLiteral("trainStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* runRow = new QHBoxLayout;
    runRow->addWidget(m_start);
    runRow->addWidget(m_pause);
    runRow->addWidget(m_cancel);
    auto* resultRow = new QHBoxLayout;
    resultRow->addWidget(m_use);
    resultRow->addWidget(m_push);

    auto* layout = new QVBoxLayout(controls);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(m_form);
    layout->addLayout(runRow);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addLayout(resultRow);
    layout->addStretch(1);
    return controls;
}

void TrainPanel::start()
{
    if (isRunning())
        return;
    auto settings = m_form->settings();
    if (!settings) {
        setStatus(guiErrorText(settings.error()), true);
        return;
    }
    m_feed = std::make_shared<TrainingFeed>();
    m_classNames.clear();
    m_epochs = settings->options.epochs;
    m_lastStep = m_totalSteps = 0;
    m_paused = false;
    m_output = QString::fromStdString(settings->output.string());
    m_trainedFolder.clear();
    m_chart->clear(m_epochs);
    m_confusion->clear(tr("The confusion matrix of the best epoch appears after the first epoch."));
    m_log->clear();
    log(tr("Training into %1").arg(m_output));
    m_progress->setRange(0, 0);
    setStatus(tr("Reading the images..."));

    auto* job =
        new Job<TrainResult>([settings = std::move(*settings), feed = m_feed](
                                 JobContext& context) { return runTraining(settings, feed, context); },
                             this);
    connect(job, &JobBase::progressChanged, this, [this](double fraction, const QString& text) {
        if (fraction < 0) {
            m_progress->setRange(0, 0);
        } else {
            m_progress->setRange(0, 1000);
            m_progress->setValue(static_cast<int>(fraction * 1000));
        }
        if (!m_paused && !text.isEmpty() && !(m_feed && m_feed->control.pause.load()))
            setStatus(text);
    });
    job->onFinished([this](Result<TrainResult> result) { finishRun(std::move(result)); });
    connect(job, &JobBase::finished, job, &QObject::deleteLater);
    m_job = job;
    job->start(*m_pool);
    m_drainTimer->start();
    updateButtons();
}

void TrainPanel::togglePause()
{
    if (!isRunning())
        return;
    const bool pause = !m_feed->control.pause.load();
    m_feed->control.pause.store(pause);
    if (pause) {
        setStatus(tr("Pausing after this step..."));
    } else {
        m_paused = false;
        setStatus(tr("Going on from step %1...").arg(m_lastStep));
    }
    updateButtons();
}

void TrainPanel::cancel()
{
    if (!isRunning())
        return;
    m_feed->control.cancel.store(true);
    m_job->cancel();
    setStatus(tr("Cancelling at the next step..."));
    updateButtons();
}

void TrainPanel::drainFeed()
{
    if (!m_feed)
        return;
    TrainingFeed::Drained drained = m_feed->drain();
    if (!drained.classNames.empty())
        m_classNames = std::move(drained.classNames);
    for (const std::string& line : drained.messages)
        log(QString::fromStdString(line));
    QList<StepPoint> points;
    points.reserve(static_cast<qsizetype>(drained.steps.size()));
    for (const StepReport& s : drained.steps) {
        const int inEpoch = s.step - (s.epoch - 1) * s.stepsPerEpoch;
        points.append(
            {s.epoch - 1 + static_cast<double>(inEpoch) / std::max(1, s.stepsPerEpoch), s.loss, s.accuracy});
        m_lastStep = s.step;
        m_totalSteps = s.totalSteps;
    }
    m_chart->addSteps(points);
    for (const EpochReport& report : drained.epochs)
        showEpoch(report);
    if (drained.paused) {
        m_paused = *drained.paused;
        if (m_paused)
            setStatus(tr("Paused after step %1 of %2. Resume goes on from there; the result is the same as "
                         "without the pause.")
                          .arg(m_lastStep)
                          .arg(m_totalSteps));
        updateButtons();
    }
}

void TrainPanel::showEpoch(const EpochReport& report)
{
    m_chart->addEpoch(report.epoch, report.validationLoss, report.validationAccuracy);
    log(epochLine(report));
    if (report.best)
        m_confusion->showMatrix(m_classNames, report.confusion,
                                tr("Best epoch so far: %1 of %2, validation accuracy %3, loss %4")
                                    .arg(report.epoch)
                                    .arg(report.epochs)
                                    .arg(percent(report.validationAccuracy))
                                    .arg(report.validationLoss, 0, 'f', 4));
}

void TrainPanel::finishRun(Result<TrainResult> result)
{
    drainFeed();
    m_drainTimer->stop();
    m_job = nullptr;
    m_paused = false;
    m_progress->setRange(0, 1000);
    const bool succeeded = result.has_value();
    if (holdsTrainedModel(m_output))
        m_trainedFolder = m_output;
    if (succeeded) {
        m_progress->setValue(1000);
        setStatus(tr("Done: the best epoch (%1, validation accuracy %2) is saved in %3.")
                      .arg(result->bestEpoch)
                      .arg(percent(result->bestAccuracy))
                      .arg(m_output));
        if (const auto& h = result->history; result->bestEpoch >= 1 && result->bestEpoch <= int(h.size()))
            m_confusion->showMatrix(m_classNames, h[std::size_t(result->bestEpoch - 1)].confusion,
                                    tr("Best epoch: %1 of %2, validation accuracy %3")
                                        .arg(result->bestEpoch)
                                        .arg(h.size())
                                        .arg(percent(result->bestAccuracy)));
    } else if (result.error().kind == ErrorKind::Cancelled) {
        // A run cancelled before its first epoch leaves an empty output folder: remove it (rmdir
        // removes only empty folders, so nothing the user put there goes).
        if (m_trainedFolder.isEmpty())
            QDir().rmdir(m_output);
        setStatus(m_trainedFolder.isEmpty()
                      ? tr("Cancelled before the first epoch ended; nothing was saved.")
                      : tr("Cancelled. The best epoch so far is in %1, the last checkpoint in its "
                           "checkpoint folder.")
                            .arg(m_output));
    } else {
        setStatus(guiErrorText(result.error()), true);
    }
    log(m_status->text());
    m_form->renewDefaultOutput();
    updateButtons();
    Q_EMIT statusMessage(m_status->text());
    Q_EMIT runFinished(succeeded);
}

void TrainPanel::useInClassify()
{
    if (m_trainedFolder.isEmpty() || m_openJob)
        return;
    auto* classify = window()->findChild<ClassifyPanel*>();
    if (!classify) {
        setStatus(tr("This window has no Classify tab."), true);
        return;
    }
    setStatus(tr("Opening %1 for the Classify tab...").arg(m_trainedFolder));
    const QString folder = m_trainedFolder;
    auto* job = new Job<OpenedModel>(
        [spec = folder.toStdString()](JobContext& context) -> Result<OpenedModel> {
            OpenModelOptions options;
            options.cancel = std::make_shared<std::atomic_bool>(false);
            auto opened = openModel(spec, options);
            if (context.isCancelled())
                return std::unexpected(JobContext::cancelledError());
            return opened;
        },
        this);
    job->onFinished([this, folder](Result<OpenedModel> opened) {
        m_openJob = nullptr;
        updateButtons();
        auto* panel = window()->findChild<ClassifyPanel*>();
        if (!opened || !panel) {
            setStatus(opened ? tr("This window has no Classify tab.") : guiErrorText(opened.error()), true);
            return;
        }
        const QString description = tr("trained: %1").arg(QFileInfo(folder).fileName());
        if (const QString error = panel->useOpenedModel(opened->model, opened->recipe, description);
            !error.isEmpty()) {
            setStatus(error, true);
            return;
        }
        if (auto* tabs = window()->findChild<QTabWidget*>(QStringLiteral("mainTabs")))
            for (int i = 0; i < tabs->count(); ++i) // the panel may sit inside a scroll area
                if (tabs->widget(i)->isAncestorOf(panel))
                    tabs->setCurrentIndex(i);
        setStatus(tr("The Classify tab now uses the model trained in %1 (%n label(s)).", "",
                     static_cast<int>(opened->labels.size()))
                      .arg(folder));
        Q_EMIT statusMessage(m_status->text());
    });
    connect(job, &JobBase::finished, job, &QObject::deleteLater);
    m_openJob = job;
    job->start(*m_pool);
    updateButtons();
}

void TrainPanel::push()
{
    if (m_trainedFolder.isEmpty())
        return;
    if (!m_share) {
        m_share = new ShareWindow(hub::HubSettings::fromEnvironment(), std::nullopt, window());
        m_share->setAttribute(Qt::WA_DeleteOnClose);
        m_share->setWindowFlag(Qt::Window);
        m_share->refreshLogin();
    }
    m_share->setSourceFolder(m_trainedFolder);
    m_share->show();
    m_share->raise();
    m_share->activateWindow();
}

void TrainPanel::setStatus(const QString& text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
}

void TrainPanel::log(const QString& line)
{
    m_log->appendPlainText(line);
}

void TrainPanel::updateButtons()
{
    const bool running = isRunning();
    m_form->setEnabled(!running);
    m_start->setEnabled(!running);
    m_pause->setEnabled(running);
    const bool pauseRequested = running && m_feed && m_feed->control.pause.load();
    m_pause->setText(pauseRequested ? tr("&Resume") : tr("&Pause"));
    m_pause->setIcon(QIcon::fromTheme(pauseRequested ? QStringLiteral("media-playback-start")
                                                     : QStringLiteral("media-playback-pause")));
    m_cancel->setEnabled(running && !(m_feed && m_feed->control.cancel.load()));
    const bool haveModel = !running && !m_trainedFolder.isEmpty();
    m_use->setEnabled(haveModel && !m_openJob);
    m_push->setEnabled(haveModel);
}

void installTrainMenu(QMainWindow* window, QTabWidget* tabs, TrainPanel* panel)
{
    QMenu* menu = window->menuBar()->addMenu(QObject::tr("T&rain"));
    menu->setObjectName(QStringLiteral("trainMenu"));
    QAction* show = menu->addAction(QIcon::fromTheme(QStringLiteral("media-playback-start")),
                                    QObject::tr("&Train a Model..."));
    show->setObjectName(QStringLiteral("trainTabAction"));
    show->setShortcut(QKeySequence(QStringLiteral("Ctrl+T")));
    show->setStatusTip(QObject::tr("Train or fine-tune on a folder of class subfolders or Fashion-MNIST"));
    QObject::connect(show, &QAction::triggered, panel, [tabs, panel] {
        for (int i = 0; i < tabs->count(); ++i)
            if (tabs->widget(i) == panel || tabs->widget(i)->isAncestorOf(panel))
                tabs->setCurrentIndex(i);
        panel->setFocus();
    });
    QObject::connect(panel, &TrainPanel::statusMessage, window,
                     [window](const QString& message) { window->statusBar()->showMessage(message, 8000); });
}

} // namespace mwb::ui
