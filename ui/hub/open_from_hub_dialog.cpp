#include "hub/open_from_hub_dialog.h"

#include "hub/hub_client.h"
#include "widgets/error_text.h"
#include "widgets/window_fit.h"

#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace mwb::ui {

namespace {

constexpr int kRefKindRole = Qt::UserRole + 1; // "branch" or "tag" (UserRole holds the name)
constexpr int kRefCommitRole = Qt::UserRole + 2;
constexpr int kCommitIdRole = Qt::UserRole;

QString commitLine(const hub::CommitInfo& commit)
{
    const QDateTime date = QDateTime::fromString(commit.date, Qt::ISODateWithMs);
    const QString when =
        date.isValid() ? date.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")) : commit.date;
    const QString authors =
        commit.authors.isEmpty() ? QObject::tr("unknown") : commit.authors.join(QStringLiteral(", "));
    return QStringLiteral("%1\n%2 · %3 · %4").arg(commit.title, authors, when, commit.id.left(7));
}

QLabel* errorLabel(const QString& name, QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setObjectName(name);
    label->setStyleSheet(QStringLiteral("color: #b00020;"));
    label->setWordWrap(true);
    label->hide();
    return label;
}

} // namespace

OpenFromHubDialog::OpenFromHubDialog(hub::HubSettings settings, QWidget* parent)
    : QDialog(parent), m_settings(std::move(settings)), m_client(new hub::HubClient(m_settings, this))
{
    setWindowTitle(tr("Open from Hub"));
    buildUi();
    fitToScreen(this, QSize(900, 600));
}

void OpenFromHubDialog::buildUi()
{
    auto* layout = new QVBoxLayout(this);
    auto* repoRow = new QHBoxLayout;
    m_repoEdit = new QLineEdit(this);
    m_repoEdit->setObjectName(QStringLiteral("repoIdEdit"));
    m_repoEdit->setPlaceholderText(QStringLiteral("namespace/model-name"));
    m_loadButton = new QPushButton(tr("&Browse"), this);
    m_loadButton->setObjectName(QStringLiteral("loadButton"));
    m_loadButton->setEnabled(false);
    auto* repoLabel = new QLabel(tr("&Repository:"), this);
    repoLabel->setBuddy(m_repoEdit);
    m_repoEdit->setToolTip(tr("A repo id (namespace/name) or its address on the Hub, e.g. "
                              "https://huggingface.co/namespace/name"));
    repoRow->addWidget(repoLabel);
    repoRow->addWidget(m_repoEdit, 1);
    repoRow->addWidget(m_loadButton);
    layout->addLayout(repoRow);
    m_repoError = errorLabel(QStringLiteral("repoIdError"), this);
    layout->addWidget(m_repoError);

    auto* refRow = new QHBoxLayout;
    m_refCombo = new QComboBox(this);
    m_refCombo->setObjectName(QStringLiteral("refCombo"));
    m_refCombo->setMinimumContentsLength(20);
    auto* refLabel = new QLabel(tr("Branch or &tag:"), this);
    refLabel->setBuddy(m_refCombo);
    refRow->addWidget(refLabel);
    refRow->addWidget(m_refCombo);
    refRow->addStretch(1);
    layout->addLayout(refRow);

    m_revisionLabel = new QLabel(this);
    m_revisionLabel->setObjectName(QStringLiteral("revisionLabel"));
    m_revisionLabel->setWordWrap(true);
    m_revisionLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_revisionLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    layout->addWidget(m_revisionLabel);

    auto* splitter = new QSplitter(this);
    m_commitList = new QListWidget(splitter);
    m_commitList->setObjectName(QStringLiteral("commitList"));
    m_commitList->setToolTip(tr("Choose a commit to pin it; scroll down for older commits"));
    m_fileList = new QTreeWidget(splitter);
    m_fileList->setObjectName(QStringLiteral("fileList"));
    m_fileList->setHeaderLabels({tr("File"), tr("Size"), tr("Storage")});
    m_fileList->setRootIsDecorated(false);
    m_fileList->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);

    m_error = errorLabel(QStringLiteral("hubError"), this);
    m_error->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    layout->addWidget(m_error);

    auto* downloadRow = new QHBoxLayout;
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("downloadProgress"));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_downloadStatus = new QLabel(this);
    m_downloadStatus->setObjectName(QStringLiteral("downloadStatus"));
    // Long snapshot paths wrap and never widen the dialog past the screen.
    m_downloadStatus->setWordWrap(true);
    m_downloadStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_downloadStatus->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_downloadStatus->setMinimumHeight(2 * m_downloadStatus->fontMetrics().lineSpacing());
    m_downloadButton = new QPushButton(tr("&Download"), this);
    m_downloadButton->setObjectName(QStringLiteral("downloadButton"));
    m_downloadButton->setEnabled(false);
    m_cancelButton = new QPushButton(tr("&Cancel"), this);
    m_cancelButton->setToolTip(tr("Stop loading or downloading"));
    m_cancelButton->setObjectName(QStringLiteral("cancelButton"));
    m_cancelButton->setEnabled(false);
    downloadRow->addWidget(m_progress, 1);
    downloadRow->addWidget(m_downloadButton);
    downloadRow->addWidget(m_cancelButton);
    layout->addLayout(downloadRow);
    layout->addWidget(m_downloadStatus);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_repoEdit, &QLineEdit::textChanged, this, &OpenFromHubDialog::validateRepoId);
    connect(m_repoEdit, &QLineEdit::returnPressed, m_loadButton, &QPushButton::click);
    connect(m_loadButton, &QPushButton::clicked, this, [this] { loadRepo(m_repoEdit->text().trimmed()); });
    connect(m_refCombo, &QComboBox::activated, this, &OpenFromHubDialog::onRefChosen);
    connect(m_commitList, &QListWidget::itemClicked, this, &OpenFromHubDialog::onCommitChosen);
    connect(m_commitList, &QListWidget::itemActivated, this, &OpenFromHubDialog::onCommitChosen);
    connect(m_commitList->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (value >= m_commitList->verticalScrollBar()->maximum())
            loadMoreCommits();
    });
    connect(m_downloadButton, &QPushButton::clicked, this, &OpenFromHubDialog::startDownload);
    connect(m_cancelButton, &QPushButton::clicked, this, &OpenFromHubDialog::cancelDownload);
}

QString repoIdFromText(const QString& text, const QString& endpoint)
{
    // https://huggingface.co/org/name[/tree/main|/blob/...|/commit/...], or the same on HF_ENDPOINT.
    const QString trimmed = text.trimmed();
    if (!trimmed.startsWith(QLatin1String("http://")) && !trimmed.startsWith(QLatin1String("https://")))
        return trimmed;
    const QUrl url(trimmed);
    const QUrl base(endpoint);
    QStringList parts = url.path().split(QLatin1Char('/'), Qt::SkipEmptyParts);
    const QStringList baseParts = base.path().split(QLatin1Char('/'), Qt::SkipEmptyParts);
    if (url.host() == base.host() && parts.mid(0, baseParts.size()) == baseParts)
        parts = parts.mid(baseParts.size());
    if (!parts.isEmpty() && parts.first() == QLatin1String("models"))
        parts.removeFirst();
    return parts.size() >= 2 ? parts[0] + QLatin1Char('/') + parts[1] : trimmed;
}

void OpenFromHubDialog::validateRepoId()
{
    const QString typed = m_repoEdit->text().trimmed();
    const QString id = repoIdFromText(typed, m_settings.endpoint);
    if (id != typed) {
        // A pasted address: keep the id only.
        const QSignalBlocker blocker(m_repoEdit);
        m_repoEdit->setText(id);
    }
    Result<void> valid = hub::validateRepoId(id);
    // The Hub addresses models as namespace/name; a bare name is a legacy form we do not browse.
    if (valid && !id.contains(u'/'))
        valid = fail(ErrorKind::InvalidInput, "A repo id is namespace/name, e.g. \"acme/resnet-tiny\".");
    m_loadButton->setEnabled(bool(valid));
    m_repoError->setVisible(!id.isEmpty() && !valid);
    if (!valid)
        m_repoError->setText(ui::guiErrorText(valid.error()));
}

void OpenFromHubDialog::loadRepo(const QString& repoId)
{
    if (m_repoEdit->text().trimmed() != repoId)
        m_repoEdit->setText(repoId);
    if (!m_loadButton->isEnabled())
        return;
    ++m_generation;
    m_repoId = repoId;
    m_refCombo->clear();
    m_commitList->clear();
    m_fileList->clear();
    m_revisionLabel->clear();
    m_error->hide();
    m_downloadButton->setEnabled(false);
    setBusy(tr("Loading branches and tags of %1...").arg(repoId));
    const int generation = m_generation;
    m_cancelButton->setEnabled(true);
    m_loading = m_client->refs(repoId, [this, generation](Result<hub::RepoRefs> refs) {
        if (generation != m_generation)
            return;
        m_loading = nullptr;
        m_cancelButton->setEnabled(bool(m_download));
        setBusy({});
        if (!refs && refs.error().kind == ErrorKind::Cancelled)
            return setBusy(tr("Stopped loading %1. Browse to try again.").arg(m_repoId));
        if (!refs)
            return showError(ui::guiErrorText(refs.error()));
        for (const hub::GitRef& branch : refs->branches)
            m_refCombo->addItem(tr("%1 (branch)").arg(branch.name), branch.name);
        for (const hub::GitRef& tag : refs->tags)
            m_refCombo->addItem(tr("%1 (tag)").arg(tag.name), tag.name);
        for (int i = 0; i < m_refCombo->count(); ++i) {
            const bool isBranch = i < refs->branches.size();
            const hub::GitRef& ref = isBranch ? refs->branches[i] : refs->tags[i - refs->branches.size()];
            m_refCombo->setItemData(i, isBranch ? QStringLiteral("branch") : QStringLiteral("tag"),
                                    kRefKindRole);
            m_refCombo->setItemData(i, ref.targetCommit, kRefCommitRole);
        }
        const int main = m_refCombo->findData(QStringLiteral("main"));
        m_refCombo->setCurrentIndex(main >= 0 ? main : 0);
        onRefChosen(m_refCombo->currentIndex());
    });
}

void OpenFromHubDialog::onRefChosen(int index)
{
    if (index < 0)
        return;
    ++m_generation;
    m_ref = m_refCombo->itemData(index).toString();
    m_revision = m_ref;
    m_pinned = false;
    const QString commit = m_refCombo->itemData(index, kRefCommitRole).toString();
    if (m_refCombo->itemData(index, kRefKindRole).toString() == QLatin1String("branch"))
        m_revisionLabel->setText(
            tr("<b>Branch, moves:</b> Follows the branch <b>%1</b> (now at %2). The branch can "
               "move: a later download may get newer files. Choose a commit below to pin it.")
                .arg(m_ref.toHtmlEscaped(), commit.left(7)));
    else
        m_revisionLabel->setText(
            tr("<b>Tag:</b> <b>%1</b> (commit %2). Choose a commit below to pin it exactly.")
                .arg(m_ref.toHtmlEscaped(), commit.left(7)));
    m_commitList->clear();
    loadCommits();
    loadTree();
}

void OpenFromHubDialog::loadCommits()
{
    m_nextCommits = QUrl();
    m_commitsLoading = true;
    const int generation = m_generation;
    m_client->commitsPage(m_repoId, m_ref, QUrl(), [this, generation](Result<hub::CommitPage> page) {
        if (generation != m_generation)
            return;
        m_commitsLoading = false;
        if (!page)
            return showError(ui::guiErrorText(page.error()));
        appendCommits(*page);
    });
}

bool OpenFromHubDialog::loadMoreCommits()
{
    if (m_commitsLoading || m_nextCommits.isEmpty())
        return false;
    m_commitsLoading = true;
    const int generation = m_generation;
    m_client->commitsPage(m_repoId, m_ref, m_nextCommits, [this, generation](Result<hub::CommitPage> page) {
        if (generation != m_generation)
            return;
        m_commitsLoading = false;
        if (!page)
            return showError(ui::guiErrorText(page.error()));
        appendCommits(*page);
    });
    return true;
}

void OpenFromHubDialog::appendCommits(const hub::CommitPage& page)
{
    for (const hub::CommitInfo& commit : page.commits) {
        auto* item = new QListWidgetItem(commitLine(commit), m_commitList);
        item->setData(kCommitIdRole, commit.id);
        item->setToolTip(commit.message.isEmpty() ? commit.title : commit.message);
    }
    m_nextCommits = page.next;
    // A page that does not fill the list leaves nothing to scroll, so fetch the next one right away.
    const int rowHeight = m_commitList->count() > 0 ? m_commitList->sizeHintForRow(0) : 0;
    if (rowHeight > 0 && rowHeight * m_commitList->count() <= m_commitList->viewport()->height())
        loadMoreCommits();
}

void OpenFromHubDialog::onCommitChosen(QListWidgetItem* item)
{
    if (!item)
        return;
    const QString id = item->data(kCommitIdRole).toString();
    if (m_pinned && id == m_revision)
        return;
    m_revision = id;
    m_pinned = true;
    m_revisionLabel->setText(tr("<b>Pinned commit:</b> %1. Downloads get exactly these files.").arg(id));
    loadTree();
}

void OpenFromHubDialog::loadTree()
{
    m_fileList->clear();
    m_downloadButton->setEnabled(false);
    const QString revision = m_revision;
    m_client->tree(m_repoId, revision, [this, revision](Result<QList<hub::TreeEntry>> entries) {
        if (revision != m_revision)
            return;
        if (!entries)
            return showError(ui::guiErrorText(entries.error()));
        const QLocale locale;
        for (const hub::TreeEntry& entry : *entries) {
            if (!entry.isFile())
                continue;
            auto* item = new QTreeWidgetItem(m_fileList);
            item->setText(0, entry.path);
            item->setText(1, locale.formattedDataSize(entry.size));
            item->setData(1, Qt::UserRole, entry.size);
            item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
            item->setText(2, entry.isLfs() ? tr("LFS") : QString());
            if (entry.isLfs())
                item->setToolTip(2, tr("Stored with Git LFS (sha256 %1)").arg(entry.lfsSha256));
        }
        m_downloadButton->setEnabled(!m_download);
    });
}

void OpenFromHubDialog::startDownload()
{
    if (m_download || m_repoId.isEmpty())
        return;
    m_error->hide();
    m_downloadButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_downloadStatus->setText(tr("Downloading %1 at %2...").arg(m_repoId, m_revision));
    m_download = m_client->downloadSnapshot(
        m_repoId, m_revision, {}, [this, repoId = m_repoId](Result<hub::SnapshotResult> result) {
            m_download = nullptr;
            m_cancelButton->setEnabled(false);
            m_downloadButton->setEnabled(true);
            if (!result) {
                const bool cancelled = result.error().kind == ErrorKind::Cancelled;
                m_downloadButton->setText(tr("&Resume download"));
                m_downloadStatus->setText(cancelled ? tr("Cancelled. Resume continues from the files already "
                                                         "fetched.")
                                                    : tr("Download failed."));
                if (!cancelled)
                    showError(ui::guiErrorText(result.error()));
                return;
            }
            m_downloadButton->setText(tr("&Download"));
            m_progress->setValue(m_progress->maximum());
            m_snapshotPath = result->snapshotPath;
            m_downloadStatus->setText(tr("Downloaded %1 files of commit %2 into %3")
                                          .arg(result->files.size())
                                          .arg(result->commit, result->snapshotPath));
            if (!result->notes.isEmpty()) // e.g. the Hub was down and the cached snapshot is used
                m_downloadStatus->setText(result->notes.join('\n'));
            Q_EMIT snapshotReady(result->snapshotPath, repoId, result->commit);
        });
    connect(m_download, &hub::HubTask::progress, this, [this](const hub::DownloadProgress& p) {
        if (p.totalBytes > 0)
            m_progress->setValue(int(1000.0 * double(p.totalDone) / double(p.totalBytes)));
        const QLocale locale;
        m_downloadStatus->setText(
            tr("%1 (%2 of %3 files, %4 of %5)")
                .arg(p.file)
                .arg(p.filesDone)
                .arg(p.filesTotal)
                .arg(locale.formattedDataSize(p.totalDone), locale.formattedDataSize(p.totalBytes)));
    });
}

void OpenFromHubDialog::cancelDownload()
{
    if (m_loading) {
        m_loading->cancel();
        m_cancelButton->setEnabled(bool(m_download));
        setBusy(tr("Stopping..."));
    }
    if (m_download) {
        m_download->cancel();
        m_cancelButton->setEnabled(false);
        m_downloadStatus->setText(tr("Cancelling..."));
    }
}

void OpenFromHubDialog::showError(const QString& message)
{
    m_error->setText(message);
    m_error->show();
}

void OpenFromHubDialog::showHeldBack(const QString& message)
{
    m_downloadStatus->setText(message);
}

void OpenFromHubDialog::setBusy(const QString& what)
{
    m_downloadStatus->setText(what);
}

} // namespace mwb::ui
