#include "review/review_window.h"

#include "review/code_view.h"
#include "review/python_highlighter.h"
#include "widgets/error_text.h"
#include "widgets/message_box.h"
#include "widgets/window_fit.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace mwb::ui {

using namespace mwb::review;

namespace {

QColor severityColor(Severity s)
{
    switch (s) {
    case Severity::High:
        return QColor(0xc6, 0x28, 0x28);
    case Severity::Medium:
        return QColor(0xe6, 0x7e, 0x00);
    case Severity::Low:
        return QColor(0x55, 0x77, 0x99);
    }
    return {};
}

QColor verdictColor(PickleVerdict v)
{
    return v == PickleVerdict::Dangerous    ? QColor(0xc6, 0x28, 0x28)
           : v == PickleVerdict::Suspicious ? QColor(0xe6, 0x7e, 0x00)
                                            : QColor(0x2e, 0x7d, 0x32);
}

// "modeling_resnet.py   [1 high, 1 medium]" or "[no findings]".
QString badgeText(const CodeFile& f)
{
    int counts[3] = {0, 0, 0};
    for (const Finding& x : f.scan.findings)
        ++counts[int(x.severity)];
    QStringList parts;
    for (int s = 2; s >= 0; --s)
        if (counts[s])
            parts << QStringLiteral("%1 %2").arg(counts[s]).arg(
                QString::fromLatin1(severityName(Severity(s))));
    return parts.isEmpty() ? QStringLiteral("no findings") : parts.join(QStringLiteral(", "));
}

int countFindings(const RepoReview& review, Severity severity)
{
    int n = 0;
    for (const CodeFile& f : review.code.files)
        for (const Finding& x : f.scan.findings)
            n += x.severity == severity ? 1 : 0;
    return n;
}

// The file to open first: the one with the most severe findings (most of them on a tie).
int worstFileRow(const RepoReview& review)
{
    int best = -1;
    std::tuple<int, std::size_t> bestKey{-1, 0};
    for (int i = 0; i < static_cast<int>(review.code.files.size()); ++i) {
        const CodeFile& f = review.code.files[static_cast<std::size_t>(i)];
        const std::tuple<int, std::size_t> key{f.scan.findings.empty() ? -1 : int(f.scan.worstSeverity()),
                                               f.scan.findings.size()};
        if (best < 0 || key > bestKey) {
            best = i;
            bestKey = key;
        }
    }
    return best;
}

} // namespace

QString reviewVerdict(const RepoReview& review)
{
    const int high = countFindings(review, Severity::High);
    const int medium = countFindings(review, Severity::Medium);
    const int low = countFindings(review, Severity::Low);
    int dangerousPickles = 0;
    for (const PickleFileReview& p : review.pickles)
        for (const PickleGlobal& g : p.globals)
            dangerousPickles += g.verdict == PickleVerdict::Dangerous ? 1 : 0;
    const auto files = static_cast<int>(review.code.files.size());
    if (!review.customCode)
        return QObject::tr("No custom code: the model loads with the built-in classes.");
    QString text = high > 0     ? QObject::tr("Risky: %n high-severity finding(s)", "", high)
                   : medium > 0 ? QObject::tr("Check carefully: %n medium-severity finding(s)", "", medium)
                                : QObject::tr("No high or medium findings");
    QStringList rest;
    if (high > 0 && medium > 0)
        rest << QObject::tr("%n medium", "", medium);
    if (low > 0)
        rest << QObject::tr("%n low", "", low);
    if (!rest.isEmpty())
        text += QStringLiteral(" (") + rest.join(QStringLiteral(", ")) + QLatin1Char(')');
    text += QObject::tr(" in %n code file(s)", "", files);
    if (!review.code.missing.empty())
        text +=
            QObject::tr("; %n file(s) could not be read", "", static_cast<int>(review.code.missing.size()));
    if (dangerousPickles > 0)
        text += QObject::tr("; %n dangerous pickle import(s)", "", dangerousPickles);
    return text + QLatin1Char('.');
}

ReviewWindow::ReviewWindow(RepoReview review, QString trustDirectory, QWidget* parent)
    : QWidget(parent), m_review(std::move(review)), m_trustDirectory(std::move(trustDirectory))
{
    setObjectName(QStringLiteral("reviewWindow"));
    setWindowTitle(tr("Review %1 at %2").arg(m_review.snapshot.repoId, m_review.snapshot.commit.left(7)));
    buildUi();
    fillFiles();
    fillPickles();
    updateTrustControls();
    // Open on the file that most needs reading.
    if (const int worst = worstFileRow(m_review); worst >= 0)
        m_files->setCurrentRow(worst);
    fitToScreen(this, QSize(1000, 680));
}

void ReviewWindow::buildUi()
{
    auto* layout = new QVBoxLayout(this);
    auto* disclaimer = new QLabel(QString::fromLatin1(kReviewDisclaimer), this);
    disclaimer->setObjectName(QStringLiteral("disclaimerLabel"));
    disclaimer->setWordWrap(true);
    layout->addWidget(disclaimer);

    m_verdict = new QLabel(reviewVerdict(m_review), this);
    m_verdict->setObjectName(QStringLiteral("verdictLabel"));
    m_verdict->setWordWrap(true);
    const int high = countFindings(m_review, Severity::High);
    const int medium = countFindings(m_review, Severity::Medium);
    const QColor tone = high > 0     ? severityColor(Severity::High)
                        : medium > 0 ? severityColor(Severity::Medium)
                                     : QColor(0x2e, 0x7d, 0x32);
    m_verdict->setStyleSheet(QStringLiteral("QLabel { font-weight: bold; color: %1; }").arg(tone.name()));
    layout->addWidget(m_verdict);

    m_revisionKind = new QLabel(this);
    m_revisionKind->setObjectName(QStringLiteral("revisionKindLabel"));
    m_revisionKind->setWordWrap(true);
    layout->addWidget(m_revisionKind);

    auto* split = new QSplitter(Qt::Horizontal, this);
    m_files = new QListWidget(split);
    m_files->setObjectName(QStringLiteral("fileList"));
    auto* right = new QSplitter(Qt::Vertical, split);
    m_code = new CodeView(right);
    m_code->setObjectName(QStringLiteral("codeView"));
    m_highlighter = new PythonHighlighter(m_code->document());
    m_tabs = new QTabWidget(right);
    m_tabs->setObjectName(QStringLiteral("detailTabs"));
    m_findings = new QTreeWidget(m_tabs);
    m_findings->setObjectName(QStringLiteral("findingsList"));
    m_findings->setHeaderLabels(
        {tr("File"), tr("Line"), tr("Severity"), tr("Category"), tr("What"), tr("Why")});
    m_findings->setRootIsDecorated(false);
    m_diff = new QPlainTextEdit(m_tabs);
    m_diff->setObjectName(QStringLiteral("diffView"));
    m_diff->setReadOnly(true);
    m_diff->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_diff->setFont(m_code->font());
    m_pickles = new QTableWidget(0, 4, m_tabs);
    m_pickles->setObjectName(QStringLiteral("pickleTable"));
    m_pickles->setHorizontalHeaderLabels({tr("File"), tr("Module"), tr("Name"), tr("Verdict")});
    m_pickles->horizontalHeader()->setStretchLastSection(true);
    m_pickles->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tabs->addTab(m_findings, tr("Findings"));
    m_tabs->addTab(m_diff, m_review.diff ? tr("Diff against %1").arg(m_review.diff->baseCommit.left(7))
                                         : tr("Diff (no trusted commit yet)"));
    m_tabs->addTab(m_pickles, tr("Pickle imports"));
    split->setStretchFactor(1, 3);
    layout->addWidget(split, 1);

    m_native = new QLabel(QString::fromStdString(m_review.native.message), this);
    m_native->setObjectName(QStringLiteral("nativeLabel"));
    m_native->setWordWrap(true);
    layout->addWidget(m_native);
    auto* bottom = new QHBoxLayout;
    m_state = new QLabel(this);
    m_state->setObjectName(QStringLiteral("trustStateLabel"));
    m_state->setWordWrap(true);
    m_pin = new QPushButton(this);
    m_pin->setObjectName(QStringLiteral("pinButton"));
    m_trust = new QPushButton(this);
    m_trust->setObjectName(QStringLiteral("trustButton"));
    bottom->addWidget(m_state, 1);
    bottom->addWidget(m_pin);
    bottom->addWidget(m_trust);
    layout->addLayout(bottom);

    connect(m_files, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0)
            showFile(m_files->item(row)->data(Qt::UserRole).toString());
    });
    connect(m_findings, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        // Read the item first: showing another file rebuilds the list and deletes it.
        const QString path = item->data(0, Qt::UserRole).toString();
        const int line = item->data(1, Qt::UserRole).toInt();
        showFile(path);
        m_code->goToLine(line);
    });
    connect(m_findings, &QTreeWidget::itemClicked, m_findings, &QTreeWidget::itemActivated);
    connect(m_pin, &QPushButton::clicked, this, &ReviewWindow::pinCommit);
    connect(m_trust, &QPushButton::clicked, this, &ReviewWindow::trustCommit);
}

void ReviewWindow::fillFiles()
{
    for (const CodeFile& f : m_review.code.files) {
        auto* item = new QListWidgetItem(f.path + QStringLiteral("   [") + badgeText(f) + ']', m_files);
        item->setData(Qt::UserRole, f.path);
        if (!f.scan.findings.empty())
            item->setForeground(severityColor(f.scan.worstSeverity()));
        item->setToolTip(
            tr("sha256 %1\nthird-party imports: %2").arg(f.sha256).arg(QString::fromStdString([&] {
                std::string s;
                for (const std::string& p : f.scan.thirdPartyPackages())
                    s += (s.empty() ? "" : ", ") + p;
                return s.empty() ? std::string("none") : s;
            }())));
    }
    for (const MissingCode& m : m_review.code.missing) {
        auto* item = new QListWidgetItem(m.path + QStringLiteral("   [missing: ") + m.reason + ']', m_files);
        item->setForeground(severityColor(Severity::Medium));
        item->setFlags(item->flags() & ~Qt::ItemIsSelectable);
    }
}

void ReviewWindow::fillPickles()
{
    for (const PickleFileReview& p : m_review.pickles) {
        auto add = [&](const QString& module, const QString& name, PickleVerdict verdict,
                       const QString& text) {
            const int row = m_pickles->rowCount();
            m_pickles->insertRow(row);
            m_pickles->setItem(row, 0, new QTableWidgetItem(p.path));
            m_pickles->setItem(row, 1, new QTableWidgetItem(module));
            m_pickles->setItem(row, 2, new QTableWidgetItem(name));
            auto* v = new QTableWidgetItem(text);
            v->setForeground(verdictColor(verdict));
            m_pickles->setItem(row, 3, v);
        };
        if (!p.error.isEmpty())
            add({}, {}, PickleVerdict::Dangerous, tr("unreadable: %1").arg(p.error));
        for (const PickleGlobal& g : p.globals)
            add(QString::fromStdString(g.module), QString::fromStdString(g.name), g.verdict,
                QString::fromLatin1(verdictName(g.verdict)));
    }
}

bool ReviewWindow::showFile(const QString& path)
{
    const CodeFile* file = m_review.code.file(path);
    if (!file)
        return false;
    if (path != m_currentFile) {
        m_currentFile = path;
        m_code->setPlainText(QString::fromUtf8(file->content));
        m_highlighter->retokenize();
        for (int row = 0; row < m_files->count(); ++row)
            if (m_files->item(row)->data(Qt::UserRole).toString() == path && m_files->currentRow() != row)
                m_files->setCurrentRow(row);
        showFindings();
        showDiff();
    }
    return true;
}

void ReviewWindow::showFindings()
{
    // Every file's findings, the current file's first, so the list doubles as a to-do for the review.
    m_findings->clear();
    std::vector<const CodeFile*> order;
    if (const CodeFile* current = m_review.code.file(m_currentFile))
        order.push_back(current);
    for (const CodeFile& f : m_review.code.files)
        if (f.path != m_currentFile)
            order.push_back(&f);
    for (const CodeFile* f : order)
        for (const Finding& x : f->scan.findings) {
            auto* item = new QTreeWidgetItem(
                m_findings, {f->path, QString::number(x.line), QString::fromLatin1(severityName(x.severity)),
                             QString::fromStdString(x.category), QString::fromStdString(x.construct),
                             QString::fromStdString(x.reason)});
            item->setData(0, Qt::UserRole, f->path);
            item->setData(1, Qt::UserRole, x.line);
            item->setForeground(2, severityColor(x.severity));
        }
}

void ReviewWindow::showDiff()
{
    if (!m_review.diff) {
        m_diff->setPlainText(
            tr("No commit of %1 is trusted yet: every line is new to you.").arg(m_review.snapshot.repoId));
        return;
    }
    QString text;
    for (const FileDiff& d : m_review.diff->files) {
        if (d.change == FileDiff::Change::Unchanged)
            text += d.path + tr(": unchanged since %1\n").arg(m_review.diff->baseCommit.left(7));
        else if (d.trustedContentMissing)
            text += d.path + tr(": %1; the trusted version is not stored\n")
                                 .arg(QString::fromLatin1(changeName(d.change)));
        else
            text += QString::fromStdString(d.unifiedDiff);
    }
    m_diff->setPlainText(text);
}

void ReviewWindow::updateTrustControls()
{
    const QString commit = m_review.snapshot.commit;
    const bool pinned = isFullCommitId(m_review.snapshot.revision) && m_review.snapshot.revision == commit;
    m_trust->setText(tr("Trust commit %1").arg(commit.left(7)));
    m_trust->setEnabled(pinned && isFullCommitId(commit) && m_review.trust.state != TrustState::Trusted);
    m_trust->setToolTip(pinned
                            ? tr("Record that you reviewed %1 at %2").arg(m_review.snapshot.repoId, commit)
                            : tr("\"%1\" is a branch or tag and can move to other code: pin the commit first")
                                  .arg(m_review.snapshot.revision));
    m_revisionKind->setText(pinned
                                ? tr("<b>Pinned commit</b> %1: exactly the files shown.").arg(commit)
                                : tr("<b>Branch, moves:</b> \"%1\" is at %2 now and can move to other code "
                                     "later. Pin the commit to trust what you reviewed.")
                                      .arg(m_review.snapshot.revision.toHtmlEscaped(), commit.left(7)));
    m_pin->setText(tr("Pin %1").arg(commit.left(7)));
    m_pin->setVisible(!pinned && isFullCommitId(commit));
    QString state;
    switch (m_review.trust.state) {
    case TrustState::Trusted:
        state = tr("Trusted at %1.").arg(commit);
        break;
    case TrustState::Void:
        state = tr("Trust void: %1 changed since %2 was trusted.")
                    .arg(m_review.trust.changedFiles.join(QStringLiteral(", ")), commit.left(7));
        break;
    case TrustState::Untrusted:
        state = m_review.customCode
                    ? tr("Not trusted: %1 ships custom code; it will not load until this commit is "
                         "trusted.")
                          .arg(m_review.snapshot.repoId)
                    : tr("No custom code.");
        break;
    }
    if (!pinned)
        state += ' ' + tr("Reviewing \"%1\", now at %2.").arg(m_review.snapshot.revision, commit.left(7));
    m_state->setText(state);
}

void ReviewWindow::pinCommit()
{
    m_review.snapshot.revision = m_review.snapshot.commit; // the files shown are exactly this commit's
    updateTrustControls();
}

void ReviewWindow::trustCommit()
{
    if (const int high = countFindings(m_review, Severity::High); high > 0) {
        const auto answer = MessageBox::warning(
            this, tr("Trust code with high-severity findings?"),
            tr("The code of %1 at %2 has %n high-severity finding(s): it may run commands, read or send "
               "your files, or download more code when the model loads.\n\nTrust this commit anyway?",
               "", high)
                .arg(m_review.snapshot.repoId, m_review.snapshot.commit.left(7)),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Yes) {
            m_state->setText(tr("Not trusted. The model will not load until this commit is trusted."));
            return;
        }
    }
    auto store = TrustStore::open(m_trustDirectory);
    Result<void> result = store ? trustReviewedCommit(*store, m_review, m_review.snapshot.revision)
                                : Result<void>(std::unexpected(store.error()));
    if (!result) {
        m_state->setText(ui::guiErrorText(result.error()));
        Q_EMIT trustFailed(ui::guiErrorText(result.error()));
        return;
    }
    m_review.trust = store->check(m_review.snapshot.repoId, m_review.snapshot.commit, m_review.codeHashes());
    updateTrustControls();
    Q_EMIT trusted(m_review.snapshot.repoId, m_review.snapshot.commit);
}

} // namespace mwb::ui
