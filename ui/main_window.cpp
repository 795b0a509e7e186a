#include "main_window.h"

#include "classify/classify_panel.h"
#include "config/config_document.h"
#include "config/config_io.h"
#include "config_editor.h"
#include "config_undo.h"
#include "hub/hub_cache_guard.h"
#include "hub/hub_menu.h"
#include "model/model_panel.h"
#include "model/open_model_dialog.h"
#include "train/train_panel.h"
#include "widgets/error_text.h"
#include "widgets/file_dialog.h"
#include "widgets/message_box.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGroupBox>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QUndoStack>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

namespace mwb {

namespace {

constexpr int kMaxRecentFiles = 8;
const QString kRecentKey = QStringLiteral("recentFiles");
const QString kGeometryKey = QStringLiteral("mainWindow/geometry");
const QString kStateKey = QStringLiteral("mainWindow/state");
const QString kSplitterKey = QStringLiteral("mainWindow/splitter");

// A page in a scroll area, so its minimum size never becomes the window's.
QScrollArea* scrollable(QWidget* page)
{
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(page);
    return scroll;
}

} // namespace

MainWindow::MainWindow(const ModelRegistry& registry, QWidget* parent)
    : QMainWindow(parent), m_document(new ConfigDocument(registry, this)),
      m_undo(new ConfigUndo(*m_document, this))
{
    setObjectName(QStringLiteral("MainWindow"));
    setWindowIcon(QIcon(QStringLiteral(":/mwb/icons/model-workbench.svg")));

    createTabs();
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("validationStatus"));
    statusBar()->addPermanentWidget(m_status);

    createToolbar();
    createFileMenu();
    createEditMenu();
    ui::installTrainMenu(this, m_tabs, findChild<ui::TrainPanel*>());
    createHubMenu();
    createHelpMenu();

    connect(m_document, &ConfigDocument::changed, this, &MainWindow::updatePreview);
    connect(m_document, &ConfigDocument::modifiedChanged, this, &MainWindow::updateTitle);
    connect(m_document, &ConfigDocument::filePathChanged, this, &MainWindow::updateTitle);
    updatePreview();
    updateTitle();
    restoreWindowState();
}

MainWindow::~MainWindow() = default;

QUndoStack& MainWindow::undoStack()
{
    return *m_undo->stack();
}

QWidget* MainWindow::createModelTab()
{
    auto* editorBox = new QGroupBox(tr("Model config"), this);
    auto* editorLayout = new QVBoxLayout(editorBox);
    auto* scroll = new QScrollArea(editorBox);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(new ConfigEditor(*m_document, scroll));
    editorLayout->addWidget(scroll);

    m_preview = new QPlainTextEdit(this);
    m_preview->setObjectName(QStringLiteral("jsonPreview"));
    m_preview->setReadOnly(true);
    m_preview->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    m_modelPanel = new ModelPanel(*m_document, this);
    connect(m_modelPanel, &ModelPanel::statusMessage, this,
            [this](const QString& message) { statusBar()->showMessage(message, 8000); });

    auto* detailTabs = new QTabWidget(this);
    detailTabs->setObjectName(QStringLiteral("detailTabs"));
    detailTabs->addTab(scrollable(m_modelPanel), tr("Summary"));
    detailTabs->addTab(m_preview, tr("config.json"));

    auto* splitter = new QSplitter(this);
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(editorBox);
    splitter->addWidget(detailTabs);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    return splitter;
}

void MainWindow::createTabs()
{
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("mainTabs"));
    m_tabs->setDocumentMode(true);
    // Each tab is one line; a page taller than the window scrolls instead of growing the window's
    // minimum size (which would push it off a 700-pixel screen).
    m_tabs->addTab(createModelTab(), tr("&Model"));
    m_tabs->addTab(scrollable(new ClassifyPanel([this] { return m_modelPanel->currentModel(); }, this)),
                   tr("&Classify"));
    m_tabs->addTab(new ui::TrainPanel(*m_document, this), tr("&Train"));
    setCentralWidget(m_tabs);
}

void MainWindow::createToolbar()
{
    m_toolbar = addToolBar(tr("Main"));
    m_toolbar->setObjectName(QStringLiteral("mainToolbar"));
    m_toolbar->setMovable(false);
}

void MainWindow::createFileMenu()
{
    m_fileMenu = menuBar()->addMenu(tr("&File"));
    m_fileMenu->setObjectName(QStringLiteral("fileMenu"));
    auto add = [this](const QString& text, QKeySequence::StandardKey key, const QString& icon, auto slot) {
        QAction* action = m_fileMenu->addAction(QIcon::fromTheme(icon), text);
        action->setShortcut(key);
        connect(action, &QAction::triggered, this, slot);
        return action;
    };
    QAction* newAction =
        add(tr("&New"), QKeySequence::New, QStringLiteral("document-new"), &MainWindow::newConfig);
    newAction->setObjectName(QStringLiteral("newAction"));
    QAction* openAction =
        add(tr("&Open..."), QKeySequence::Open, QStringLiteral("document-open"), &MainWindow::openWithDialog);
    openAction->setObjectName(QStringLiteral("openAction"));
    ui::installOpenModelAction(this, m_fileMenu); // any format, weight file or Hub repo -> Classify tab
    m_recentMenu = m_fileMenu->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    QAction* saveAction =
        add(tr("&Save"), QKeySequence::Save, QStringLiteral("document-save"), &MainWindow::save);
    saveAction->setObjectName(QStringLiteral("saveAction"));
    add(tr("Save &As..."), QKeySequence::SaveAs, QStringLiteral("document-save-as"), &MainWindow::saveAs)
        ->setObjectName(QStringLiteral("saveAsAction"));
    m_fileMenu->addSeparator();
    add(tr("&Quit"), QKeySequence::Quit, QStringLiteral("application-exit"), &QWidget::close)
        ->setObjectName(QStringLiteral("quitAction"));
    rebuildRecentMenu();

    m_toolbar->addAction(newAction);
    m_toolbar->addAction(openAction);
    m_toolbar->addAction(saveAction);
}

void MainWindow::createEditMenu()
{
    m_editMenu = menuBar()->addMenu(tr("&Edit"));
    m_editMenu->setObjectName(QStringLiteral("editMenu"));
    QAction* undo = m_undo->stack()->createUndoAction(this, tr("&Undo"));
    undo->setObjectName(QStringLiteral("undoAction"));
    undo->setShortcut(QKeySequence::Undo);
    undo->setIcon(QIcon::fromTheme(QStringLiteral("edit-undo")));
    QAction* redo = m_undo->stack()->createRedoAction(this, tr("&Redo"));
    redo->setObjectName(QStringLiteral("redoAction"));
    redo->setShortcut(QKeySequence::Redo);
    redo->setIcon(QIcon::fromTheme(QStringLiteral("edit-redo")));
    m_editMenu->addAction(undo);
    m_editMenu->addAction(redo);

    m_toolbar->addSeparator();
    m_toolbar->addAction(undo);
    m_toolbar->addAction(redo);
    m_toolbar->addSeparator();
    m_toolbar->addWidget(new QLabel(tr(" Preset: "), m_toolbar));
    m_presets = new QComboBox(m_toolbar);
    m_presets->setObjectName(QStringLiteral("presetCombo"));
    m_presets->setToolTip(tr("Set the architecture to the values timm uses for a known network; Classes, "
                             "Input channels and the labels are kept. Undo puts the previous values back."));
    m_presets->addItem(tr("Choose a preset..."));
    for (const auto& [name, values] : m_document->schema().presets)
        m_presets->addItem(QString::fromStdString(name));
    connect(m_presets, &QComboBox::activated, this, [this](int index) {
        if (index > 0)
            applyPreset(m_presets->itemText(index));
        m_presets->setCurrentIndex(0);
    });
    m_toolbar->addWidget(m_presets);
}

void MainWindow::applyPreset(const QString& name)
{
    m_document->applyPreset(name.toStdString());
    statusBar()->showMessage(tr("Applied the %1 architecture; Classes, Input channels and labels kept. "
                                "Edit > Undo puts the previous values back.")
                                 .arg(name),
                             8000);
}

void MainWindow::createHubMenu()
{
    ui::HubMenuHooks hooks;
    hooks.openConfig = [this](const QString& configPath) { return maybeSave() && openFile(configPath); };
    hooks.modelFolder = [this] { return m_modelPanel->savedFolder(); };
    ui::installHubMenu(this, std::move(hooks));
}

void MainWindow::createHelpMenu()
{
    QMenu* helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->setObjectName(QStringLiteral("helpMenu"));
    QAction* about = helpMenu->addAction(tr("&About Model Workbench"), this, [this] {
        ui::MessageBox::about(this, tr("About Model Workbench"),
                              tr("<b>Model Workbench %1</b><p>Write, share and test custom models in the "
                                 "Hugging Face sense, natively.</p>")
                                  .arg(QStringLiteral(MWB_VERSION)));
    });
    about->setObjectName(QStringLiteral("aboutAction"));
}

void MainWindow::restoreWindowState()
{
    QSettings settings;
    const QRect available = screen() ? screen()->availableGeometry() : QRect(0, 0, 1024, 700);
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
        // First run: a comfortable size, never larger than the screen (minus room for the frame).
        resize(std::min(1180, available.width() - 40), std::min(760, available.height() - 60));
        move(available.center() - rect().center());
    }
    restoreState(settings.value(kStateKey).toByteArray());
    if (auto* splitter = findChild<QSplitter*>(QStringLiteral("mainSplitter")))
        splitter->restoreState(settings.value(kSplitterKey).toByteArray());
}

void MainWindow::newConfig()
{
    if (maybeSave())
        m_document->resetToDefaults();
}

void MainWindow::openWithDialog()
{
    if (!maybeSave())
        return;
    const QString path = ui::FileDialog::getOpenFileName(this, tr("Open config"), QString(),
                                                         tr("Model configs (*.json);;All files (*)"));
    if (!path.isEmpty())
        openFile(path);
}

bool MainWindow::openFile(const QString& path)
{
    if (auto opened = m_document->open(path); !opened) {
        ui::MessageBox::warning(this, tr("Cannot open config"), ui::guiErrorText(opened.error()));
        statusBar()->showMessage(ui::guiErrorText(opened.error()), 8000);
        return false;
    }
    addRecentFile(m_document->filePath());
    if (hub::isInsideHubCache(m_document->filePath()))
        statusBar()->showMessage(tr("Opened %1 from the Hub cache, read-only: Save asks for a new folder")
                                     .arg(m_document->filePath()),
                                 8000);
    else
        statusBar()->showMessage(tr("Opened %1").arg(m_document->filePath()), 4000);
    return true;
}

bool MainWindow::save()
{
    // A config opened from the Hub cache is read-only: Save becomes Save As into a folder of one's own.
    if (m_document->filePath().isEmpty() || hub::isInsideHubCache(m_document->filePath()))
        return saveAs();
    return saveToFile(m_document->filePath());
}

bool MainWindow::saveAs()
{
    const QString path = ui::FileDialog::getSaveFileName(
        this, tr("Save config as"), QStringLiteral("config.json"), tr("Model configs (*.json)"));
    return !path.isEmpty() && saveToFile(path);
}

bool MainWindow::saveToFile(const QString& path)
{
    if (!m_document->isValid()) {
        // An invalid config.json would fail later, far from the cause; fix it here first.
        ui::MessageBox::warning(
            this, tr("Config has problems"),
            tr("The config has %n problem(s); fix the fields marked in red before saving.", "",
               static_cast<int>(m_document->problems().size())));
        return false;
    }
    if (auto saved = m_document->saveAs(path); !saved) {
        ui::MessageBox::warning(this, tr("Cannot save config"), ui::guiErrorText(saved.error()));
        return false;
    }
    addRecentFile(m_document->filePath());
    statusBar()->showMessage(tr("Saved %1").arg(m_document->filePath()), 4000);
    return true;
}

bool MainWindow::maybeSave()
{
    if (!m_document->isModified())
        return true;
    const auto answer =
        ui::MessageBox::warning(this, tr("Unsaved changes"), tr("The config has unsaved changes. Save them?"),
                                QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Save)
        return save();
    return answer == QMessageBox::Discard;
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    settings.setValue(kSplitterKey, findChild<QSplitter*>(QStringLiteral("mainSplitter"))->saveState());
    event->accept();
}

void MainWindow::updatePreview()
{
    m_preview->setPlainText(QString::fromUtf8(serializeConfig(m_document->savedForm())));
    const auto count = static_cast<int>(m_document->problems().size());
    m_status->setText(count == 0 ? tr("Config is valid") : tr("%n problem(s)", "", count));
    m_status->setStyleSheet(count == 0 ? QStringLiteral("color: #2e7d32;")
                                       : QStringLiteral("color: #c62828;"));
}

void MainWindow::updateTitle()
{
    const QString path = m_document->filePath();
    const QString name = path.isEmpty() ? tr("Untitled config") : QFileInfo(path).filePath();
    setWindowTitle(name + QStringLiteral("[*] \u2014 Model Workbench"));
    setWindowModified(m_document->isModified());
}

void MainWindow::addRecentFile(const QString& path)
{
    QSettings settings;
    QStringList recent = settings.value(kRecentKey).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecentFiles)
        recent.removeLast();
    settings.setValue(kRecentKey, recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(kRecentKey).toStringList();
    for (const QString& path : recent) {
        m_recentMenu->addAction(path, this, [this, path] {
            if (maybeSave())
                openFile(path);
        });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

} // namespace mwb
