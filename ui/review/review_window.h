#pragma once

// The review window: a thin view over a finished review::RepoReview. Code files with risk badges, the
// selected file in a Python viewer (highlighting, line numbers), its findings (activating one jumps to
// its line), the diff against the last trusted commit, the pickle imports table, and "Trust commit
// <short id>", disabled while the review is of a branch or tag rather than a pinned commit ("Pin" pins
// the reviewed commit, whose files are exactly the ones shown). The review itself (hashing, scanning)
// is done off the GUI thread by the caller; trusting writes the small trust store directly.
// GUI thread only. Widgets have objectNames for tests: fileList, codeView, findingsList, diffView,
// pickleTable, trustButton, pinButton, trustStateLabel, nativeLabel, disclaimerLabel, detailTabs,
// verdictLabel, revisionKindLabel. It opens on the file with the worst findings, and trusting a commit
// whose code has high-severity findings asks for confirmation first.

#include "review/code_review.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;
class QTabWidget;
class QTreeWidget;

namespace mwb::ui {

class CodeView;
class PythonHighlighter;

// "Risky: 4 high-severity findings (1 medium) in 2 code files; 1 dangerous pickle import." — the one
// line the review window opens with.
QString reviewVerdict(const review::RepoReview& review);

class ReviewWindow : public QWidget
{
    Q_OBJECT

public:
    // `trustDirectory`: the trust store folder (TrustStore::defaultDirectory() in the app).
    explicit ReviewWindow(review::RepoReview review,
                          QString trustDirectory = review::TrustStore::defaultDirectory(),
                          QWidget* parent = nullptr);

    const review::RepoReview& review() const { return m_review; }
    // Shows a code file (repo path); false when the review has no such file.
    bool showFile(const QString& path);
    QString currentFile() const { return m_currentFile; }

Q_SIGNALS:
    // After the commit was recorded as trusted.
    void trusted(const QString& repoId, const QString& commit);
    // When trusting failed (the message names the problem).
    void trustFailed(const QString& message);

private:
    void buildUi();
    void fillFiles();
    void fillPickles();
    void updateTrustControls();
    void showFindings();
    void showDiff();
    void pinCommit();
    void trustCommit();

    review::RepoReview m_review;
    QString m_trustDirectory;
    QString m_currentFile;
    QListWidget* m_files = nullptr;
    CodeView* m_code = nullptr;
    PythonHighlighter* m_highlighter = nullptr;
    QTreeWidget* m_findings = nullptr;
    QPlainTextEdit* m_diff = nullptr;
    QTableWidget* m_pickles = nullptr;
    QTabWidget* m_tabs = nullptr;
    QPushButton* m_trust = nullptr;
    QPushButton* m_pin = nullptr;
    QLabel* m_state = nullptr;
    QLabel* m_native = nullptr;
    QLabel* m_verdict = nullptr;
    QLabel* m_revisionKind = nullptr;
};

} // namespace mwb::ui
