#include "main_window.h"

#include "classify/classify_panel.h"
#include "config/config_document.h"
#include "config/config_io.h"
#include "config_editor.h"
#include "hub/hub_cache_guard.h"
#include "hub/hub_menu.h"
#include "model/model_panel.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGroupBox>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

namespace mwb {

namespace {

constexpr int kMaxRecentFiles = 8;
const QString kRecentKey = QStringLiteral("recentFiles");
const QString kGeometryKey = QStringLiteral("mainWindow/geometry");
const QString kStateKey = QStringLiteral("mainWindow/state");
const QString kSplitterKey = QStringLiteral("mainWindow/splitter");

} // namespace

MainWindow::MainWindow(const ModelRegistry& registry, QWidget* parent)
    : QMainWindow(parent), m_document(new ConfigDocument(registry, this))
{
    setObjectName(QStringLiteral("MainWindow"));
    setWindowIcon(QIcon(QStringLiteral(":/mwb/icons/model-workbench.svg")));

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
    detailTabs->addTab(m_modelPanel, tr("Summary"));
    detailTabs->addTab(m_preview, tr("config.json"));

    auto* splitter = new QSplitter(this);
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    splitter->addWidget(editorBox);
    splitter->addWidget(detailTabs);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("mainTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(splitter, tr("Model"));
    m_tabs->addTab(new ClassifyPanel([this] { return m_modelPanel->model(); }, this), tr("Classify"));
    setCentralWidget(m_tabs);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("validationStatus"));
    statusBar()->addPermanentWidget(m_status);

    createActions();
    connect(m_document, &ConfigDocument::changed, this, &MainWindow::updatePreview);
    connect(m_document, &ConfigDocument::modifiedChanged, this, &MainWindow::updateTitle);
    connect(m_document, &ConfigDocument::filePathChanged, this, &MainWindow::updateTitle);
    updatePreview();
    updateTitle();

    QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray()))
        resize(1180, 720);
    restoreState(settings.value(kStateKey).toByteArray());
    splitter->restoreState(settings.value(kSplitterKey).toByteArray());
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    QMenu* fileMenu = menuBar()->addMenu(tr("&File"));
    QToolBar* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setMovable(false);

    auto addAction = [&](const QString& text, QKeySequence::StandardKey key, const QString& icon, auto slot) {
        QAction* action = fileMenu->addAction(QIcon::fromTheme(icon), text);
        action->setShortcut(key);
        connect(action, &QAction::triggered, this, slot);
        return action;
    };
    toolbar->addAction(
        addAction(tr("&New"), QKeySequence::New, QStringLiteral("document-new"), &MainWindow::newConfig));
    toolbar->addAction(addAction(tr("&Open..."), QKeySequence::Open, QStringLiteral("document-open"),
                                 &MainWindow::openWithDialog));
    m_recentMenu = fileMenu->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    toolbar->addAction(
        addAction(tr("&Save"), QKeySequence::Save, QStringLiteral("document-save"), &MainWindow::save));
    addAction(tr("Save &As..."), QKeySequence::SaveAs, QStringLiteral("document-save-as"),
              &MainWindow::saveAs);
    fileMenu->addSeparator();
    addAction(tr("&Quit"), QKeySequence::Quit, QStringLiteral("application-exit"), &QWidget::close);
    rebuildRecentMenu();

    toolbar->addSeparator();
    toolbar->addWidget(new QLabel(tr(" Preset: "), toolbar));
    m_presets = new QComboBox(toolbar);
    m_presets->setObjectName(QStringLiteral("presetCombo"));
    m_presets->setToolTip(tr("Fill the editor with the values timm uses for a known architecture"));
    m_presets->addItem(tr("Choose a preset..."));
    for (const auto& [name, values] : m_document->schema().presets)
        m_presets->addItem(QString::fromStdString(name));
    connect(m_presets, &QComboBox::activated, this, [this](int index) {
        if (index <= 0)
            return;
        m_document->applyPreset(m_presets->itemText(index).toStdString());
        m_presets->setCurrentIndex(0);
    });
    toolbar->addWidget(m_presets);

    ui::installHubMenu(this,
                       [this](const QString& configPath) { return maybeSave() && openFile(configPath); });

    QMenu* helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(tr("&About Model Workbench"), this, [this] {
        QMessageBox::about(this, tr("About Model Workbench"),
                           tr("<b>Model Workbench %1</b><p>Write, share and test custom models in the "
                              "Hugging Face sense, natively.</p>")
                               .arg(QStringLiteral(MWB_VERSION)));
    });
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
    const QString path = QFileDialog::getOpenFileName(this, tr("Open config"), QString(),
                                                      tr("Model configs (*.json);;All files (*)"));
    if (!path.isEmpty())
        openFile(path);
}

bool MainWindow::openFile(const QString& path)
{
    if (auto opened = m_document->open(path); !opened) {
        QMessageBox::warning(this, tr("Cannot open config"), QString::fromStdString(opened.error().message));
        statusBar()->showMessage(QString::fromStdString(opened.error().message), 8000);
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
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save config as"), QStringLiteral("config.json"), tr("Model configs (*.json)"));
    return !path.isEmpty() && saveToFile(path);
}

bool MainWindow::saveToFile(const QString& path)
{
    if (!m_document->isValid()) {
        // An invalid config.json would fail later, far from the cause; fix it here first.
        QMessageBox::warning(this, tr("Config has problems"),
                             tr("The config has %n problem(s); fix the fields marked in red before saving.",
                                "", static_cast<int>(m_document->problems().size())));
        return false;
    }
    if (auto saved = m_document->saveAs(path); !saved) {
        QMessageBox::warning(this, tr("Cannot save config"), QString::fromStdString(saved.error().message));
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
        QMessageBox::warning(this, tr("Unsaved changes"), tr("The config has unsaved changes. Save them?"),
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
