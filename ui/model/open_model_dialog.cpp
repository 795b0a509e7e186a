#include "model/open_model_dialog.h"

#include "classify/classify_panel.h"
#include "jobs/job.h"

#include <memory>

#include <QAction>
#include <QButtonGroup>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

namespace mwb::ui {

namespace {

const char* const kRecentKey = "openModel/recent";
constexpr int kMaxRecent = 10;

enum Kind
{
    FolderKind = 0,
    FileKind = 1,
    HubKind = 2,
};

QString fromStd(const std::string& text)
{
    return QString::fromStdString(text);
}

// Runs openModel on the pool thread; its progress and the job's cancel are bridged both ways.
Result<OpenedModel> openOnWorker(const std::string& spec, JobContext& context)
{
    OpenModelOptions options;
    options.cancel = std::make_shared<std::atomic_bool>(false);
    std::shared_ptr<std::atomic_bool> flag = options.cancel;
    options.progress = [&context, flag](const OpenProgress& p) {
        if (context.isCancelled())
            flag->store(true);
        const double fraction = p.total > 0 ? double(p.done) / double(p.total) : -1.0;
        context.setProgress(fraction, fromStd(p.stage));
    };
    if (context.isCancelled())
        return std::unexpected(JobContext::cancelledError());
    auto opened = openModel(spec, options);
    if (opened && context.isCancelled())
        return std::unexpected(JobContext::cancelledError());
    return opened;
}

} // namespace

OpenModelDialog::OpenModelDialog(QWidget* parent) : QDialog(parent), m_pool(std::make_unique<JobPool>(1))
{
    setObjectName(QStringLiteral("openModelDialog"));
    setWindowTitle(tr("Open Model"));
    buildUi();
    fillRecent();
    updateMode();
}

OpenModelDialog::~OpenModelDialog()
{
    delete m_job; // detaches a running open; its result is dropped
    m_job = nullptr;
}

void OpenModelDialog::buildUi()
{
    auto* kinds = new QHBoxLayout;
    m_kind = new QButtonGroup(this);
    const QString names[] = {tr("Pretrained folder"), tr("Weight file"), tr("Hub repo")};
    for (int i = 0; i < 3; ++i) {
        auto* button = new QRadioButton(names[i], this);
        button->setObjectName(QStringLiteral("openModelKind%1").arg(i));
        m_kind->addButton(button, i);
        kinds->addWidget(button);
    }
    m_kind->button(FolderKind)->setChecked(true);
    connect(m_kind, &QButtonGroup::idClicked, this, [this] { updateMode(); });

    m_path = new QLineEdit(this);
    m_path->setObjectName(QStringLiteral("openModelPath"));
    m_path->setPlaceholderText(tr("a folder with config.json and weights (tutorial, timm or transformers)"));
    m_browse = new QPushButton(tr("Browse..."), this);
    connect(m_browse, &QPushButton::clicked, this, &OpenModelDialog::browse);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(m_browse);

    m_repo = new QLineEdit(this);
    m_repo->setObjectName(QStringLiteral("openModelRepo"));
    m_repo->setPlaceholderText(tr("org/name, e.g. timm/resnet50.a1_in1k"));
    m_revision = new QLineEdit(QStringLiteral("main"), this);
    m_revision->setObjectName(QStringLiteral("openModelRevision"));
    m_revision->setToolTip(tr("A branch, a tag or a full 40-hex commit id; it is resolved to one commit"));

    m_recent = new QComboBox(this);
    m_recent->setObjectName(QStringLiteral("openModelRecent"));
    connect(m_recent, &QComboBox::activated, this, [this](int index) {
        if (index > 0)
            setModelSpec(m_recent->itemText(index));
    });

    auto* form = new QFormLayout;
    form->addRow(tr("Open:"), kinds);
    form->addRow(tr("Path:"), pathRow);
    form->addRow(tr("Repo:"), m_repo);
    form->addRow(tr("Revision:"), m_revision);
    form->addRow(tr("Recent:"), m_recent);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("openModelProgress"));
    m_progress->setRange(0, 1000);
    m_progress->setVisible(false);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("openModelStatus"));
    m_status->setWordWrap(true);
    m_details = new QPlainTextEdit(this);
    m_details->setObjectName(QStringLiteral("openModelDetails"));
    m_details->setReadOnly(true);
    m_details->setPlaceholderText(
        tr("The source format, architecture, labels and preprocessing appear here."));

    auto* buttons = new QDialogButtonBox(this);
    m_open = buttons->addButton(tr("&Open"), QDialogButtonBox::ActionRole);
    m_open->setObjectName(QStringLiteral("openModelOpen"));
    m_cancel = buttons->addButton(tr("Cancel Loading"), QDialogButtonBox::ActionRole);
    m_cancel->setObjectName(QStringLiteral("openModelCancel"));
    m_use = buttons->addButton(tr("&Use in Classify"), QDialogButtonBox::AcceptRole);
    m_use->setObjectName(QStringLiteral("openModelUse"));
    buttons->addButton(QDialogButtonBox::Close);
    connect(m_open, &QPushButton::clicked, this, &OpenModelDialog::startOpen);
    connect(m_cancel, &QPushButton::clicked, this, &OpenModelDialog::cancelOpen);
    connect(m_use, &QPushButton::clicked, this, [this] {
        if (m_opened) {
            Q_EMIT modelOpened();
            accept();
        }
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(m_details, 1);
    layout->addWidget(buttons);
    resize(640, 460);
}

void OpenModelDialog::updateMode()
{
    const bool hub = m_kind->checkedId() == HubKind;
    const bool busy = isOpening();
    m_path->setEnabled(!hub && !busy);
    m_browse->setEnabled(!hub && !busy);
    m_repo->setEnabled(hub && !busy);
    m_revision->setEnabled(hub && !busy);
    m_path->setPlaceholderText(
        m_kind->checkedId() == FileKind
            ? tr("a .safetensors, .pth, .pt or .bin state_dict (architecture inferred)")
            : tr("a folder with config.json and weights (tutorial, timm or transformers)"));
    m_open->setEnabled(!busy);
    m_cancel->setEnabled(busy);
    m_use->setEnabled(!busy && m_opened.has_value());
    m_recent->setEnabled(!busy);
}

void OpenModelDialog::browse()
{
    const QString path =
        m_kind->checkedId() == FileKind
            ? QFileDialog::getOpenFileName(
                  this, tr("Open a weight file"), m_path->text(),
                  tr("Weights (*.safetensors *.pth *.pt *.bin *.ckpt);;All files (*)"))
            : QFileDialog::getExistingDirectory(this, tr("Open a pretrained folder"), m_path->text());
    if (!path.isEmpty())
        m_path->setText(path);
}

QString OpenModelDialog::modelSpec() const
{
    if (m_kind->checkedId() != HubKind)
        return m_path->text().trimmed();
    const QString revision = m_revision->text().trimmed();
    return m_repo->text().trimmed() + (revision.isEmpty() ? QString() : QLatin1Char('@') + revision);
}

void OpenModelDialog::setModelSpec(const QString& spec)
{
    const QFileInfo info(spec);
    if (info.exists() || spec.startsWith(QLatin1String("builtin:"))) {
        m_kind->button(info.isFile() ? FileKind : FolderKind)->setChecked(true);
        m_path->setText(spec);
    } else {
        m_kind->button(HubKind)->setChecked(true);
        const auto at = spec.indexOf(QLatin1Char('@'));
        m_repo->setText(at < 0 ? spec : spec.left(at));
        m_revision->setText(at < 0 ? QStringLiteral("main") : spec.mid(at + 1));
    }
    updateMode();
}

bool OpenModelDialog::isOpening() const
{
    return m_job != nullptr;
}

void OpenModelDialog::startOpen()
{
    if (isOpening())
        return;
    const QString spec = modelSpec();
    if (spec.isEmpty()) {
        m_status->setText(tr("Choose a folder, a weight file or a Hub repo first."));
        return;
    }
    m_opened.reset();
    m_details->clear();
    m_status->setText(tr("Opening %1...").arg(spec));
    m_progress->setValue(0);
    m_progress->setRange(0, 0); // busy until the first figure arrives
    m_progress->setVisible(true);
    auto* job = new Job<OpenedModel>(
        [spec = spec.toStdString()](JobContext& context) { return openOnWorker(spec, context); }, this);
    connect(job, &JobBase::progressChanged, this, [this](double fraction, const QString& text) {
        if (fraction >= 0) {
            m_progress->setRange(0, 1000);
            m_progress->setValue(int(fraction * 1000));
        } else {
            m_progress->setRange(0, 0);
        }
        if (!text.isEmpty())
            m_status->setText(text + QStringLiteral("..."));
    });
    job->onFinished([this, spec](Result<OpenedModel> result) { finishOpen(std::move(result), spec); });
    connect(job, &JobBase::finished, job, &QObject::deleteLater);
    m_job = job;
    job->start(*m_pool);
    updateMode();
}

void OpenModelDialog::cancelOpen()
{
    if (m_job) {
        m_job->cancel();
        m_status->setText(tr("Cancelling..."));
    }
}

void OpenModelDialog::finishOpen(Result<OpenedModel> result, const QString& spec)
{
    m_job = nullptr;
    m_progress->setVisible(false);
    if (!result) {
        const bool cancelled = result.error().kind == ErrorKind::Cancelled;
        const QString message = cancelled ? tr("Cancelled.") : fromStd(result.error().message);
        m_status->setText(message);
        updateMode();
        Q_EMIT openFailed(message);
        return;
    }
    m_opened = std::move(*result);
    rememberRecent(spec);
    showOpened(*m_opened);
    updateMode();
    Q_EMIT modelOpened();
}

void OpenModelDialog::showOpened(const OpenedModel& o)
{
    m_status->setText(tr("Opened %1: %2").arg(o.location, fromStd(sourceFormatName(o.format))));
    QStringList lines;
    lines << tr("Source format: %1 (%2)").arg(fromStd(sourceFormatName(o.format)), fromStd(o.formatEvidence));
    if (!o.architecture.empty())
        lines << tr("Architecture: %1").arg(fromStd(o.architecture));
    if (!o.commit.isEmpty())
        lines << tr("Repo: %1 at commit %2").arg(o.repoId, o.commit);
    lines << tr("Parameters: %L1").arg(qulonglong(o.model->parameterCount()));
    if (o.report)
        lines << tr("Weights: %1 matched, %2 missing, %3 unexpected; key mapping: %4 (%5 names translated)")
                     .arg(o.report->count(TensorStatus::Matched))
                     .arg(o.report->count(TensorStatus::Missing))
                     .arg(o.report->count(TensorStatus::Unexpected))
                     .arg(fromStd(o.report->mapping))
                     .arg(o.report->renamed);
    QStringList first;
    for (std::size_t i = 0; i < o.labels.size() && i < 5; ++i)
        first << fromStd(o.labels[i]);
    lines << tr("Labels: %1 from %2: %3%4")
                 .arg(o.labels.size())
                 .arg(fromStd(o.labelSource), first.join(QStringLiteral("; ")),
                      o.labels.size() > 5 ? QStringLiteral("; ...") : QString());
    lines << tr("Preprocessing: %1").arg(fromStd(o.recipe.summary()));
    for (const std::string& note : o.notes)
        lines << tr("Note: %1").arg(fromStd(note));
    m_details->setPlainText(lines.join(QLatin1Char('\n')));
}

QStringList OpenModelDialog::recentModels()
{
    return QSettings().value(QString::fromLatin1(kRecentKey)).toStringList();
}

void OpenModelDialog::rememberRecent(const QString& spec)
{
    QStringList recent = recentModels();
    recent.removeAll(spec);
    recent.prepend(spec);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    QSettings().setValue(QString::fromLatin1(kRecentKey), recent);
    fillRecent();
}

void OpenModelDialog::fillRecent()
{
    m_recent->clear();
    const QStringList recent = recentModels();
    m_recent->addItem(recent.isEmpty() ? tr("(no recent models)") : tr("(choose a recent model)"));
    m_recent->addItems(recent);
}

void installOpenModelAction(QMainWindow* window, QMenu* menu)
{
    QAction* action =
        menu->addAction(QIcon::fromTheme(QStringLiteral("document-open")), QObject::tr("Open &Model..."));
    action->setObjectName(QStringLiteral("openModelAction"));
    action->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+M")));
    QObject::connect(action, &QAction::triggered, window, [window] {
        auto* dialog = new OpenModelDialog(window);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        QObject::connect(dialog, &OpenModelDialog::accepted, window, [window, dialog] {
            const auto& opened = dialog->opened();
            auto* panel = window->findChild<ClassifyPanel*>();
            if (!opened || !panel)
                return;
            const QString description = QFileInfo(opened->location).fileName() + QStringLiteral(" (") +
                                        fromStd(sourceFormatName(opened->format)) + QStringLiteral(")");
            if (auto error = panel->useOpenedModel(opened->model, opened->recipe, description);
                !error.isEmpty()) {
                window->statusBar()->showMessage(error, 8000);
                return;
            }
            if (auto* tabs = window->findChild<QTabWidget*>(QStringLiteral("mainTabs")))
                for (int i = 0; i < tabs->count(); ++i) // the panel sits inside a scroll area
                    if (tabs->widget(i)->isAncestorOf(panel))
                        tabs->setCurrentIndex(i);
            window->statusBar()->showMessage(QObject::tr("Opened %1: %2 labels from %3")
                                                 .arg(description)
                                                 .arg(opened->labels.size())
                                                 .arg(fromStd(opened->labelSource)),
                                             8000);
        });
        dialog->show();
    });
}

} // namespace mwb::ui
