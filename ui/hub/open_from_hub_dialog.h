#pragma once

// "Open from Hub": pick a repo (id checked as the Hub checks it), a branch or tag, or pin one commit from
// its history (a list that fetches the next page when scrolled to the bottom), see the files at that
// revision with sizes and LFS marks, and download the snapshot into the shared huggingface_hub cache with
// progress, cancel and resume (a new Download continues from the partial files). All network work runs
// off the GUI thread through a HubClient the dialog owns. GUI thread only.
// objectNames for tests: repoIdEdit, repoIdError, loadButton, refCombo, commitList, revisionLabel,
// fileList, downloadButton, cancelButton, downloadProgress, downloadStatus, hubError.

#include "hub/hub_paths.h"
#include "hub/hub_types.h"

#include <QDialog>
#include <QPointer>
#include <QUrl>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QProgressBar;
class QPushButton;
class QTreeWidget;

namespace mwb::hub {
class HubClient;
class HubTask;
} // namespace mwb::hub

namespace mwb::ui {

// "org/name" from what the user typed or pasted: an id, or a Hub address of the repo (any page of it).
QString repoIdFromText(const QString& text, const QString& endpoint);

class OpenFromHubDialog : public QDialog
{
    Q_OBJECT

public:
    explicit OpenFromHubDialog(hub::HubSettings settings, QWidget* parent = nullptr);

    // Loads refs, the first page of history and the files of the default branch for `repoId`.
    void loadRepo(const QString& repoId);
    // Fetches the next page of the history (what scrolling to the bottom does); false when there is none
    // or one is already on its way.
    bool loadMoreCommits();
    bool isLoadingCommits() const { return m_commitsLoading; }
    // The revision a download would fetch: a branch or tag name, or a pinned 40-hex commit.
    QString revision() const { return m_revision; }
    bool isPinned() const { return m_pinned; }
    // The snapshot folder of the last finished download, empty before.
    QString snapshotPath() const { return m_snapshotPath; }

    // Says in the dialog that the downloaded model was not opened (its code was not trusted).
    void showHeldBack(const QString& message);

Q_SIGNALS:
    // A download finished; `snapshotPath` is <cache>/models--org--name/snapshots/<commit>.
    void snapshotReady(const QString& snapshotPath, const QString& repoId, const QString& commit);

private:
    void buildUi();
    void validateRepoId();
    void onRefChosen(int index);
    void onCommitChosen(QListWidgetItem* item);
    void loadCommits(); // first page for the chosen ref
    void appendCommits(const hub::CommitPage& page);
    void loadTree();
    void startDownload();
    void cancelDownload();
    void showError(const QString& message);
    void setBusy(const QString& what);

    hub::HubSettings m_settings;
    hub::HubClient* m_client = nullptr;
    QString m_repoId;
    QString m_ref;      // the branch or tag the history shows
    QString m_revision; // what the tree and download use
    bool m_pinned = false;
    QUrl m_nextCommits;
    bool m_commitsLoading = false;
    int m_generation = 0; // bumped on every repo/ref change, so late answers for old choices are dropped
    QString m_snapshotPath;
    QPointer<hub::HubTask> m_download;
    QPointer<hub::HubTask> m_loading; // the refs request, cancellable while the Hub does not answer

    QLineEdit* m_repoEdit = nullptr;
    QLabel* m_repoError = nullptr;
    QPushButton* m_loadButton = nullptr;
    QComboBox* m_refCombo = nullptr;
    QListWidget* m_commitList = nullptr;
    QLabel* m_revisionLabel = nullptr;
    QTreeWidget* m_fileList = nullptr;
    QPushButton* m_downloadButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_downloadStatus = nullptr;
    QLabel* m_error = nullptr;
};

} // namespace mwb::ui
