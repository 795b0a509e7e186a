#pragma once

// The main window: the config editor, a live preview of the config.json that will be saved, presets,
// and the usual file commands. It owns the ConfigDocument it shows.

#include <QMainWindow>

class QComboBox;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QTabWidget;

namespace mwb {

class ConfigDocument;
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

    // Open or save a specific file; errors are shown to the user and reported by the return value.
    bool openFile(const QString& path);
    bool saveToFile(const QString& path);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
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
    QPlainTextEdit* m_preview = nullptr;
    ModelPanel* m_modelPanel = nullptr;
    QTabWidget* m_tabs = nullptr;
    QComboBox* m_presets = nullptr;
    QLabel* m_status = nullptr;
    QMenu* m_recentMenu = nullptr;
};

} // namespace mwb
