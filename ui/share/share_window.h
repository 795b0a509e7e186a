#pragma once

// The Share window: save a pretrained folder as a Hub-ready custom-code repo and push it as one commit.
// The user picks the namespace (their user or an organisation from the login), the repo name, privacy,
// the Auto classes to register and the commit message; the window lists the files with sizes and LFS
// marks, shows progress per file and overall, can cancel, and ends with the commit id and URL, a copy
// button and "open pinned at this commit".
//
// Building the repo, hashing and uploading run as jobs (core/jobs) on the window's pool; the GUI thread
// only receives coalesced progress. Closing the window cancels the push (before its commit) and
// waits for the workers. GUI thread only.

#include "hub/hub_paths.h"
#include "jobs/job.h"
#include "share/custom_code_repo.h"
#include "share/hub_push.h"

#include <memory>
#include <optional>

#include <QPointer>
#include <QTemporaryDir>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTreeWidget;

namespace mwb::ui {

class ShareWindow : public QWidget
{
    Q_OBJECT

public:
    // `token`: nullopt finds it as huggingface_hub does.
    explicit ShareWindow(hub::HubSettings settings = hub::HubSettings::fromEnvironment(),
                         std::optional<QString> token = std::nullopt,
                         QWidget* parent = nullptr);
    ~ShareWindow() override;

    // The pretrained folder to share (config.json + weights); prepares the repo in the background.
    void setSourceFolder(const QString& folder);
    // Asks the Hub who is logged in and fills the namespace choice.
    void refreshLogin();

    QString commitId() const { return m_result ? m_result->commitId : QString(); }

Q_SIGNALS:
    void prepared(bool ok); // the file list is ready (or failed)
    void loginChecked(bool ok);
    void pushFinished(bool ok, const QString& message);

private:
    void buildUi();
    void prepare();
    void startPush();
    void onProgress(const share::PushProgress& progress);
    void onPushDone(const Result<share::PushResult>& result);
    void chooseSourceFolder();
    void showFiles(const QList<share::RepoFile>& files);
    void setBusy(bool busy);
    QString repoId() const;
    share::CustomCodeRepoOptions repoOptions() const;

    hub::HubSettings m_settings;
    std::optional<QString> m_token;
    QString m_source;
    std::unique_ptr<QTemporaryDir> m_staging;
    QString m_repoFolder; // the prepared custom-code repo
    std::shared_ptr<share::HubPusher> m_pusher;
    std::optional<share::PushResult> m_result;
    QPointer<JobBase> m_pushJob;
    int m_prepareGeneration = 0; // only the latest preparation's result is shown

    QLabel* m_sourceLabel = nullptr;
    QPushButton* m_chooseSource = nullptr;
    QComboBox* m_namespace = nullptr;
    QLineEdit* m_repoName = nullptr;
    QCheckBox* m_private = nullptr;
    QCheckBox* m_autoModel = nullptr;
    QCheckBox* m_autoClassifier = nullptr;
    QLineEdit* m_message = nullptr;
    QTreeWidget* m_files = nullptr;
    QProgressBar* m_overall = nullptr;
    QLabel* m_status = nullptr;
    QPushButton* m_push = nullptr;
    QPushButton* m_cancel = nullptr;
    QLineEdit* m_commit = nullptr;
    QLabel* m_url = nullptr;
    QPushButton* m_copy = nullptr;
    QPushButton* m_openPinned = nullptr;
    // Last member, so it is destroyed first: it cancels the jobs and waits before the rest goes.
    JobPool m_jobs{2};
};

} // namespace mwb::ui
