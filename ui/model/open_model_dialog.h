#pragma once

// "Open model...": one dialog for everything the app opens (core/open/open_model.h): a pretrained
// folder in any supported format, a weight file, or a Hub repo at a revision (a branch, a tag or a
// full commit id). Config and weights load together off the GUI thread (one mwb::Job), with progress
// and Cancel; the result shows the source format, the architecture, the labels and the preprocessing,
// and is offered to the caller through modelOpened(). Opened models are remembered as recent models
// (QSettings "openModel/recent", newest first, at most 10).
//
// GUI thread only. The dialog owns its job pool: closing it cancels a running open.

#include "open/open_model.h"

#include <memory>
#include <optional>

#include <QDialog>

class QButtonGroup;
class QComboBox;
class QLabel;
class QLineEdit;
class QMainWindow;
class QMenu;
class QProgressBar;
class QPlainTextEdit;
class QPushButton;

namespace mwb {

class JobBase;
class JobPool;

namespace ui {

class OpenModelDialog final : public QDialog
{
    Q_OBJECT

public:
    explicit OpenModelDialog(QWidget* parent = nullptr);
    ~OpenModelDialog() override;

    // What the fields say, as MODEL: a path, "org/name@revision", "builtin:NAME".
    QString modelSpec() const;
    void setModelSpec(const QString& spec); // fills the fields (folder, file or repo + revision)
    void startOpen();                       // what Open does
    void cancelOpen();
    bool isOpening() const;
    // The model of the last successful open (until the next one starts).
    const std::optional<OpenedModel>& opened() const { return m_opened; }

    static QStringList recentModels();

Q_SIGNALS:
    void modelOpened(); // opened() holds the model
    void openFailed(const QString& message);

private:
    void buildUi();
    void updateMode();
    void browse();
    void finishOpen(Result<OpenedModel> result, const QString& spec);
    void showOpened(const OpenedModel& opened);
    void rememberRecent(const QString& spec);
    void fillRecent();

    std::unique_ptr<JobPool> m_pool;
    JobBase* m_job = nullptr;
    std::optional<OpenedModel> m_opened;

    QButtonGroup* m_kind = nullptr; // 0 folder, 1 weight file, 2 Hub repo
    QLineEdit* m_path = nullptr;
    QPushButton* m_browse = nullptr;
    QLineEdit* m_repo = nullptr;
    QLineEdit* m_revision = nullptr;
    QComboBox* m_recent = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_use = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QPlainTextEdit* m_details = nullptr;
};

// Adds "Open &Model..." (Ctrl+Shift+M) to `menu`. An opened model goes to the window's Classify tab
// (its ClassifyPanel, whose tab becomes current); the status bar names its source format and labels.
void installOpenModelAction(QMainWindow* window, QMenu* menu);

} // namespace ui
} // namespace mwb
