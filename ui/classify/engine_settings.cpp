#include "classify/engine_settings.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSettings>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QThread>

namespace mwb {
namespace {

constexpr auto kPrecisionKey = "classify/precision";
constexpr auto kThreadsKey = "classify/threads";

int maxThreads()
{
    return std::max(physicalCoreCount(), QThread::idealThreadCount());
}

} // namespace

EngineOptions loadEngineSettings()
{
    QSettings settings;
    EngineOptions options;
    const auto precision = parsePrecision(
        settings.value(QString::fromLatin1(kPrecisionKey), QStringLiteral("exact")).toString().toStdString());
    options.precision = precision && fastPrecisionSupport().available ? *precision : Precision::Exact;
    const int threads = settings.value(QString::fromLatin1(kThreadsKey), 0).toInt();
    options.threads = threads >= 1 && threads <= maxThreads() ? threads : physicalCoreCount();
    return options;
}

void saveEngineSettings(const EngineOptions& options)
{
    QSettings settings;
    settings.setValue(QString::fromLatin1(kPrecisionKey),
                      QString::fromUtf8(precisionName(options.precision)));
    settings.setValue(QString::fromLatin1(kThreadsKey), options.threads);
}

QString engineDescription(const EngineOptions& options)
{
    const int threads = options.threads > 0 ? options.threads : physicalCoreCount();
    const QString precision =
        options.precision == Precision::Fast ? QObject::tr("Fast (bf16)") : QObject::tr("Exact (fp32)");
    return threads == 1 ? QObject::tr("%1, 1 thread").arg(precision)
                        : QObject::tr("%1, %2 threads").arg(precision).arg(threads);
}

EngineSettingsBar::EngineSettingsBar(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("engineSettings"));
    m_precision = new QComboBox(this);
    m_precision->setObjectName(QStringLiteral("classifyPrecision"));
    m_precision->addItem(tr("Exact (fp32)"), QVariant::fromValue(static_cast<int>(Precision::Exact)));
    m_precision->addItem(tr("Fast (bf16)"), QVariant::fromValue(static_cast<int>(Precision::Fast)));
    m_precision->setItemData(0, tr("float32 throughout: the same outputs as PyTorch (within 1e-4)"),
                             Qt::ToolTipRole);
    const FastPrecisionSupport& fast = fastPrecisionSupport();
    m_precision->setItemData(1, QString::fromStdString(fast.detail), Qt::ToolTipRole);
    if (!fast.available) {
        if (auto* items = qobject_cast<QStandardItemModel*>(m_precision->model()))
            items->item(1)->setEnabled(false);
        m_precision->setToolTip(
            tr("Fast precision is unavailable: %1").arg(QString::fromStdString(fast.detail)));
    }
    m_threads = new QSpinBox(this);
    m_threads->setObjectName(QStringLiteral("classifyThreads"));
    m_threads->setRange(1, maxThreads());
    m_threads->setKeyboardTracking(false); // typing "12" does not build an engine for 1 thread first
    m_threads->setToolTip(
        tr("Threads the engine computes on (this machine has %n physical core(s))", "", physicalCoreCount()));

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Precision:"), this));
    layout->addWidget(m_precision);
    layout->addWidget(new QLabel(tr("Threads:"), this));
    layout->addWidget(m_threads);

    m_current = loadEngineSettings();
    m_precision->setCurrentIndex(m_current.precision == Precision::Fast ? 1 : 0);
    m_threads->setValue(m_current.threads);
    connect(m_precision, &QComboBox::currentIndexChanged, this, &EngineSettingsBar::onEdited);
    connect(m_threads, &QSpinBox::valueChanged, this, &EngineSettingsBar::onEdited);
}

EngineOptions EngineSettingsBar::options() const
{
    return m_current;
}

void EngineSettingsBar::setOptions(const EngineOptions& options)
{
    m_precision->setCurrentIndex(options.precision == Precision::Fast ? 1 : 0);
    m_threads->setValue(options.threads > 0 ? options.threads : physicalCoreCount());
}

void EngineSettingsBar::onEdited()
{
    EngineOptions edited;
    edited.precision = static_cast<Precision>(m_precision->currentData().toInt());
    edited.threads = m_threads->value();
    if (edited.precision == m_current.precision && edited.threads == m_current.threads)
        return;
    m_current = edited;
    saveEngineSettings(m_current);
    Q_EMIT changed(m_current);
}

} // namespace mwb
