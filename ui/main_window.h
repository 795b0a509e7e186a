#pragma once

// The main window: the config editor, a live preview of the config.json that will be saved, presets,
// undo/redo, the model panel, the Classify tab and the Hub menu. It owns the ConfigDocument it shows.
// Each menu and the toolbar is built by its own small function, and tabs are added in createTabs(),
// so a new capability is a one-line insert there. GUI thread only.

#include <QMainWindow>

class QComboBox;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QTabWidget;
class QToolBar;
class QUndoStack;

namespace mwb {

class ConfigDocument;
class ConfigUndo;
class ModelPanel;
class ModelRegistry;

class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(const ModelRegistry& registry, QWidget* parent = nullptr);
    ~MainWindow() override;

    ConfigDocument& document() { return *m_document; }
    ModelPanel& modelPanel() { return *m_modelPanel; }
    QUndoStack& undoStack();
    QTabWidget& tabs() { return *m_tabs; }

    // Open or save a specific file; errors are shown to the user and reported by the return value.
    bool openFile(const QString& path);
    bool saveToFile(const QString& path);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    QWidget* createModelTab();
    void createTabs();
    void createToolbar();
    void createFileMenu();
    void createEditMenu();
    void createHubMenu();
    void createHelpMenu();
    void applyPreset(const QString& name);
    void restoreWindowState();
    void newConfig();
    void openWithDialog();
    bool save();
    bool saveAs();
    // Asks whether to save unsaved changes; false when the user cancels.
    bool maybeSave();
    void updatePreview();
    void updateTitle();
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();

    ConfigDocument* m_document = nullptr;
    ConfigUndo* m_undo = nullptr;
    QToolBar* m_toolbar = nullptr;
    QMenu* m_fileMenu = nullptr;
    QMenu* m_editMenu = nullptr;
    QPlainTextEdit* m_preview = nullptr;
    ModelPanel* m_modelPanel = nullptr;
    QTabWidget* m_tabs = nullptr;
    QComboBox* m_presets = nullptr;
    QLabel* m_status = nullptr;
    QMenu* m_recentMenu = nullptr;
};

} // namespace mwb
