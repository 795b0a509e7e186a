#pragma once

// The Train tab: the settings (TrainForm), Start / Pause / Cancel, a live plot of the training loss per
// step and the validation loss and accuracy per epoch, the confusion matrix of the best epoch, a log,
// then "Use in Classify" (the trained model goes to the window's Classify tab) and "Push..." (the
// Share window on the output folder). Training is core/train's, as `mwb train` runs it.
//
// GUI thread only. The run is one mwb::Job on the panel's own pool; its reports arrive through a
// TrainingFeed the panel drains with a timer, so the GUI thread never waits. Pause waits between
// steps; Cancel stops at the next step and keeps the last checkpoint (and the best epoch so far).
// Destroying the panel cancels a run and waits for its current step to end.

#include "error.h"
#include "train/trainer.h"

#include <memory>
#include <string>
#include <vector>

#include <QPointer>
#include <QWidget>

class QLabel;
class QMainWindow;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTimer;

namespace mwb {

class ConfigDocument;
class JobBase;
class JobPool;

namespace ui {

class ConfusionMatrixView;
class ShareWindow;
class TrainForm;
class TrainingChart;
class TrainingFeed;

class TrainPanel final : public QWidget
{
    Q_OBJECT

public:
    // `editor` is the Model tab's document ("the config in the Model tab"); it must outlive the panel.
    explicit TrainPanel(const ConfigDocument& editor, QWidget* parent = nullptr);
    ~TrainPanel() override;

    void start();
    void togglePause();
    void cancel();
    void useInClassify();
    void push();

    bool isRunning() const { return m_job != nullptr; }
    bool isPaused() const { return m_paused; }
    // The output folder of the last run when it holds a trained model (else empty).
    QString trainedFolder() const { return m_trainedFolder; }

    TrainForm& form() { return *m_form; }
    TrainingChart& chart() { return *m_chart; }
    ConfusionMatrixView& confusion() { return *m_confusion; }

Q_SIGNALS:
    void runFinished(bool succeeded); // after every run: done (true), cancelled or failed (false)
    void statusMessage(const QString& message);

private:
    QWidget* createControls();
    void drainFeed();
    void showEpoch(const EpochReport& report);
    void finishRun(Result<TrainResult> result);
    void setStatus(const QString& text, bool error = false);
    void log(const QString& line);
    void updateButtons();

    std::unique_ptr<JobPool> m_pool; // first: destroyed last, after the job it waits for
    const ConfigDocument& m_editor;
    JobBase* m_job = nullptr;
    JobBase* m_openJob = nullptr;
    std::shared_ptr<TrainingFeed> m_feed;
    std::vector<std::string> m_classNames;
    int m_epochs = 0;
    int m_lastStep = 0, m_totalSteps = 0;
    bool m_paused = false;
    QString m_output;
    QString m_trainedFolder;
    QPointer<ShareWindow> m_share;

    TrainForm* m_form = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_pause = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_use = nullptr;
    QPushButton* m_push = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    TrainingChart* m_chart = nullptr;
    ConfusionMatrixView* m_confusion = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QTabWidget* m_details = nullptr;
    QTimer* m_drainTimer = nullptr;
};

// Adds a "T&rain" menu to `window` whose "Train a Model..." (Ctrl+T) shows the tab holding `panel`
// in `tabs` (objectName "trainTabAction").
void installTrainMenu(QMainWindow* window, QTabWidget* tabs, TrainPanel* panel);

} // namespace ui
} // namespace mwb
