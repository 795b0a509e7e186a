#include "share/share_window.h"

#include "hub/hub_session.h"
#include "widgets/error_text.h"
#include "widgets/file_dialog.h"

#include <mutex>

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace mwb::ui {

namespace {

enum Column
{
    PathColumn,
    SizeColumn,
    LfsColumn,
    ProgressColumn
};

// Before the push, the LFS mark is the Hub's usual rule (weights by extension, large files); the push
// replaces it with what preupload decided.
bool likelyLfs(const share::RepoFile& file)
{
    for (const char* ext : {".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".onnx", ".h5", ".zip"})
        if (file.path.endsWith(QLatin1String(ext)))
            return true;
    return file.size >= 10'000'000;
}

} // namespace

ShareWindow::ShareWindow(hub::HubSettings settings, std::optional<QString> token, QWidget* parent)
    : QWidget(parent), m_settings(std::move(settings)), m_token(std::move(token))
{
    setObjectName(QStringLiteral("shareWindow"));
    setWindowTitle(tr("Share on the Hub"));
    buildUi();
}

ShareWindow::~ShareWindow()
{
    if (m_pusher)
        m_pusher->cancel(); // m_jobs, destroyed next, waits for the push to stop
}

void ShareWindow::buildUi()
{
    auto named = [](QWidget* w, const char* name) {
        w->setObjectName(QLatin1String(name));
        return w;
    };
    m_sourceLabel = static_cast<QLabel*>(named(new QLabel(tr("No folder chosen")), "sourceLabel"));
    m_sourceLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_sourceLabel->setWordWrap(true);
    m_chooseSource = static_cast<QPushButton*>(named(new QPushButton(tr("Choose...")), "chooseSourceButton"));
    m_chooseSource->setToolTip(
        tr("A pretrained folder: config.json and model.safetensors (Save pretrained... "
           "in the Model tab writes one)"));
    m_namespace = static_cast<QComboBox*>(named(new QComboBox, "namespaceCombo"));
    m_repoName = static_cast<QLineEdit*>(named(new QLineEdit, "repoNameEdit"));
    m_repoName->setPlaceholderText(tr("my-resnet"));
    m_private = static_cast<QCheckBox*>(named(new QCheckBox(tr("Private")), "privateCheck"));
    m_autoModel =
        static_cast<QCheckBox*>(named(new QCheckBox(QStringLiteral("AutoModel")), "autoModelCheck"));
    m_autoClassifier = static_cast<QCheckBox*>(
        named(new QCheckBox(QStringLiteral("AutoModelForImageClassification")), "autoClassifierCheck"));
    m_autoModel->setChecked(true);
    m_autoClassifier->setChecked(true);
    m_message = static_cast<QLineEdit*>(named(new QLineEdit, "messageEdit"));
    m_message->setPlaceholderText(tr("Upload model with Model Workbench"));

    m_files = static_cast<QTreeWidget*>(named(new QTreeWidget, "fileList"));
    m_files->setHeaderLabels({tr("File"), tr("Size"), tr("LFS"), tr("Progress")});
    m_files->setRootIsDecorated(false);
    m_files->header()->setSectionResizeMode(PathColumn, QHeaderView::Stretch);
    m_overall = static_cast<QProgressBar*>(named(new QProgressBar, "overallProgress"));
    m_overall->setRange(0, 1000);
    m_overall->setValue(0);
    m_status = static_cast<QLabel*>(named(new QLabel, "statusLabel"));
    m_status->setWordWrap(true);
    m_push = static_cast<QPushButton*>(named(new QPushButton(tr("Push")), "pushButton"));
    m_cancel = static_cast<QPushButton*>(named(new QPushButton(tr("Cancel")), "cancelButton"));
    m_cancel->setEnabled(false);
    m_commit = static_cast<QLineEdit*>(named(new QLineEdit, "commitEdit"));
    m_commit->setReadOnly(true);
    m_url = static_cast<QLabel*>(named(new QLabel, "urlLabel"));
    m_url->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_copy = static_cast<QPushButton*>(named(new QPushButton(tr("Copy commit id")), "copyButton"));
    m_openPinned = static_cast<QPushButton*>(
        named(new QPushButton(tr("Open pinned at this commit")), "openPinnedButton"));
    m_copy->setEnabled(false);
    m_openPinned->setEnabled(false);

    auto* repoRow = new QHBoxLayout;
    repoRow->addWidget(m_namespace);
    repoRow->addWidget(new QLabel(QStringLiteral("/")));
    repoRow->addWidget(m_repoName, 1);
    repoRow->addWidget(m_private);
    auto* autoRow = new QHBoxLayout;
    autoRow->addWidget(m_autoModel);
    autoRow->addWidget(m_autoClassifier);
    autoRow->addStretch();
    auto* sourceRow = new QHBoxLayout;
    sourceRow->addWidget(m_sourceLabel, 1);
    sourceRow->addWidget(m_chooseSource);
    auto* form = new QFormLayout;
    form->addRow(tr("Model folder"), sourceRow);
    form->addRow(tr("Repository"), repoRow);
    form->addRow(tr("Register with"), autoRow);
    form->addRow(tr("Commit message"), m_message);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_status, 1);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_push);
    auto* resultRow = new QHBoxLayout;
    resultRow->addWidget(m_commit, 1);
    resultRow->addWidget(m_copy);
    resultRow->addWidget(m_openPinned);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_files, 1);
    layout->addWidget(m_overall);
    layout->addLayout(buttons);
    layout->addLayout(resultRow);
    layout->addWidget(m_url);

    connect(m_autoModel, &QCheckBox::toggled, this, &ShareWindow::prepare);
    connect(m_autoClassifier, &QCheckBox::toggled, this, &ShareWindow::prepare);
    connect(m_repoName, &QLineEdit::editingFinished, this, &ShareWindow::prepare);
    connect(m_push, &QPushButton::clicked, this, &ShareWindow::startPush);
    connect(m_chooseSource, &QPushButton::clicked, this, &ShareWindow::chooseSourceFolder);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_pusher)
            m_pusher->cancel();
        if (m_pushJob)
            m_pushJob->cancel();
        m_status->setText(tr("Cancelling…"));
    });
    connect(m_copy, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(m_commit->text()); });
    connect(m_openPinned, &QPushButton::clicked, this, [this] {
        if (m_result)
            QDesktopServices::openUrl(QUrl(m_result->pinnedUrl));
    });
    setBusy(false);
}

void ShareWindow::refreshLogin()
{
    const auto settings = m_settings;
    const auto token = m_token;
    startJob<hub::WhoAmI>(
        m_jobs, this, [settings, token](JobContext&) { return hub::HubSession(settings, token).whoAmI(); },
        [this](const Result<hub::WhoAmI>& who) {
            m_namespace->clear();
            if (!who) {
                m_status->setText(ui::guiErrorText(who.error()));
                Q_EMIT loginChecked(false);
                return;
            }
            m_namespace->addItem(who->name);
            m_namespace->addItems(who->orgs);
            Q_EMIT loginChecked(true);
        });
}

void ShareWindow::chooseSourceFolder()
{
    const QString folder =
        FileDialog::getExistingDirectory(this, tr("Choose the pretrained folder to push"), m_source);
    if (!folder.isEmpty())
        setSourceFolder(folder);
}

void ShareWindow::setSourceFolder(const QString& folder)
{
    m_source = folder;
    m_sourceLabel->setText(QDir::toNativeSeparators(folder));
    if (m_repoName->text().isEmpty())
        m_repoName->setText(QDir(folder).dirName());
    prepare();
}

QString ShareWindow::repoId() const
{
    const QString name = m_repoName->text().trimmed();
    return m_namespace->currentText().isEmpty() ? name : m_namespace->currentText() + '/' + name;
}

share::CustomCodeRepoOptions ShareWindow::repoOptions() const
{
    share::CustomCodeRepoOptions options;
    options.autoClasses.clear();
    if (m_autoModel->isChecked())
        options.autoClasses.append(QString::fromLatin1(share::kAutoModel));
    if (m_autoClassifier->isChecked())
        options.autoClasses.append(QString::fromLatin1(share::kAutoModelForImageClassification));
    options.repoId = repoId();
    options.overwrite = true;
    return options;
}

void ShareWindow::prepare()
{
    if (m_source.isEmpty() || (m_pusher && m_cancel->isEnabled()))
        return;
    m_staging = std::make_unique<QTemporaryDir>();
    m_repoFolder.clear();
    m_push->setEnabled(false);
    m_status->setText(tr("Preparing the repo…"));
    const QString source = m_source;
    const QString target = m_staging->filePath(QStringLiteral("repo"));
    const auto options = repoOptions();
    const int generation = ++m_prepareGeneration;
    startJob<share::CustomCodeRepo>(
        m_jobs, this,
        [source, target, options](JobContext&) {
            return share::writeCustomCodeRepo(source, target, options);
        },
        [this, generation](const Result<share::CustomCodeRepo>& repo) {
            if (generation != m_prepareGeneration)
                return; // a newer preparation replaced this one
            if (!repo) {
                m_files->clear();
                m_status->setText(ui::guiErrorText(repo.error()));
                Q_EMIT prepared(false);
                return;
            }
            m_repoFolder = repo->folder;
            showFiles(repo->files);
            m_status->setText(tr("Ready to push %n file(s).", nullptr, int(repo->files.size())));
            setBusy(false);
            Q_EMIT prepared(true);
        });
}

void ShareWindow::showFiles(const QList<share::RepoFile>& files)
{
    m_files->clear();
    for (const share::RepoFile& f : files) {
        auto* item = new QTreeWidgetItem(m_files);
        item->setText(PathColumn, f.path);
        item->setText(SizeColumn, QLocale().formattedDataSize(f.size));
        item->setData(SizeColumn, Qt::UserRole, f.size);
        item->setText(LfsColumn, likelyLfs(f) ? tr("LFS") : QString());
        item->setText(ProgressColumn, QString());
    }
}

void ShareWindow::setBusy(bool busy)
{
    m_push->setEnabled(!busy && !m_repoFolder.isEmpty());
    m_cancel->setEnabled(busy);
    for (QWidget* w : std::initializer_list<QWidget*>{m_namespace, m_repoName, m_private, m_autoModel,
                                                      m_autoClassifier, m_message})
        w->setEnabled(!busy);
}

void ShareWindow::startPush()
{
    if (m_repoFolder.isEmpty())
        return;
    m_result.reset();
    m_commit->clear();
    m_url->clear();
    m_copy->setEnabled(false);
    m_openPinned->setEnabled(false);
    m_overall->setValue(0);
    share::PushOptions options;
    options.folder = m_repoFolder;
    options.repoId = repoId();
    options.isPrivate = m_private->isChecked();
    options.summary = m_message->text();
    m_pusher = std::make_shared<share::HubPusher>(m_settings, m_token);
    setBusy(true);
    m_status->setText(tr("Pushing to %1…").arg(options.repoId));
    // The pushing thread leaves its latest progress here; the job's progress signal says when to look.
    struct Latest
    {
        std::mutex mutex;
        share::PushProgress progress;
    };
    auto latest = std::make_shared<Latest>();
    auto pusher = m_pusher;
    auto* job = new Job<share::PushResult>(
        [pusher, options, latest](JobContext& context) {
            return pusher->push(options, [latest, &context](const share::PushProgress& p) {
                {
                    std::lock_guard lock(latest->mutex);
                    latest->progress = p;
                }
                context.setProgress(p.total > 0 ? double(p.done) / double(p.total) : -1.0, p.file);
            });
        },
        this);
    connect(job, &JobBase::progressChanged, this, [this, latest] {
        share::PushProgress p;
        {
            std::lock_guard lock(latest->mutex);
            p = latest->progress;
        }
        onProgress(p);
    });
    job->onFinished([this](const Result<share::PushResult>& result) { onPushDone(result); });
    connect(job, &JobBase::finished, job, &QObject::deleteLater);
    m_pushJob = job;
    job->start(m_jobs);
}

void ShareWindow::onProgress(const share::PushProgress& progress)
{
    using Phase = share::PushProgress::Phase;
    static const char* const names[] = {"Checking", "Hashing", "Uploading", "Committing"};
    if (!progress.file.isEmpty()) {
        const auto items = m_files->findItems(progress.file, Qt::MatchExactly, PathColumn);
        if (!items.isEmpty() && progress.fileTotal > 0)
            items.first()->setText(
                ProgressColumn,
                QStringLiteral("%1 %2%").arg(tr(names[int(progress.phase)]),
                                             QString::number(100 * progress.fileDone / progress.fileTotal)));
    }
    if (progress.total > 0 && progress.phase == Phase::Uploading)
        m_overall->setValue(int(1000 * progress.done / progress.total));
    m_status->setText(tr(names[int(progress.phase)]) + QStringLiteral("…"));
}

void ShareWindow::onPushDone(const Result<share::PushResult>& result)
{
    setBusy(false);
    if (!result) {
        m_status->setText(ui::guiErrorText(result.error()));
        Q_EMIT pushFinished(false, m_status->text());
        return;
    }
    m_result = *result;
    m_overall->setValue(1000);
    for (const share::PushedFile& f : result->files) {
        const auto items = m_files->findItems(f.path, Qt::MatchExactly, PathColumn);
        if (items.isEmpty())
            continue;
        items.first()->setText(LfsColumn, f.lfs ? tr("LFS") : QString());
        items.first()->setText(ProgressColumn, f.unchanged  ? tr("unchanged")
                                               : f.uploaded ? tr("uploaded")
                                                            : tr("already stored"));
    }
    m_commit->setText(result->commitId);
    m_url->setText(result->commitUrl);
    m_copy->setEnabled(true);
    m_openPinned->setEnabled(true);
    m_status->setText(result->noChanges ? tr("Nothing changed; the repo is at this commit.") : tr("Pushed."));
    Q_EMIT pushFinished(true, m_status->text());
}

} // namespace mwb::ui
