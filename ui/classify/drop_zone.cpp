#include "classify/drop_zone.h"

#include <QBuffer>
#include <QClipboard>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QGuiApplication>
#include <QImage>
#include <QKeyEvent>
#include <QLabel>
#include <QMimeData>
#include <QUrl>
#include <QVBoxLayout>

namespace mwb {
namespace {

// Encoded formats worth keeping as they come (EXIF orientation, exact pixels), best first.
const char* const kEncodedFormats[] = {"image/png", "image/jpeg", "image/webp", "image/bmp", "image/tiff"};

QStringList localPaths(const QMimeData* mime)
{
    QStringList paths;
    if (!mime->hasUrls())
        return paths;
    for (const QUrl& url : mime->urls()) {
        if (url.isLocalFile())
            paths << url.toLocalFile();
    }
    return paths;
}

QByteArray encodedImage(const QMimeData* mime)
{
    for (const char* format : kEncodedFormats) {
        const QString type = QString::fromLatin1(format);
        if (mime->hasFormat(type) && !mime->data(type).isEmpty())
            return mime->data(type);
    }
    if (!mime->hasImage())
        return {};
    const QImage image = qvariant_cast<QImage>(mime->imageData());
    if (image.isNull())
        return {};
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return png;
}

} // namespace

bool canAcceptMimeData(const QMimeData* mime)
{
    if (!mime)
        return false;
    if (!localPaths(mime).isEmpty() || mime->hasImage())
        return true;
    for (const char* format : kEncodedFormats) {
        if (mime->hasFormat(QString::fromLatin1(format)))
            return true;
    }
    return false;
}

DropZone::DropZone(QWidget* parent) : QFrame(parent)
{
    setObjectName(QStringLiteral("classifyDropZone"));
    setAcceptDrops(true);
    setFocusPolicy(Qt::StrongFocus);
    setFrameShape(QFrame::StyledPanel);
    setMinimumHeight(40); // one line: the tab must fit a 700-pixel-high screen
    auto* label = new QLabel(tr("Drop images or folders here, or paste an image (Ctrl+V). A folder of class "
                                "subfolders is evaluated."),
                             this);
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(label);
    setHighlighted(false);
}

void DropZone::setHighlighted(bool on)
{
    setStyleSheet(on ? QStringLiteral("#classifyDropZone { border: 2px dashed palette(highlight); "
                                      "background: palette(alternate-base); }")
                     : QStringLiteral("#classifyDropZone { border: 2px dashed palette(mid); }"));
}

bool DropZone::acceptMimeData(const QMimeData* mime)
{
    if (!mime)
        return false;
    const QStringList paths = localPaths(mime);
    if (!paths.isEmpty()) {
        Q_EMIT pathsDropped(paths);
        return true;
    }
    const QByteArray bytes = encodedImage(mime);
    if (!bytes.isEmpty()) {
        Q_EMIT imageDropped(tr("pasted image %1").arg(++m_pastedCount), bytes);
        return true;
    }
    Q_EMIT rejected(mime->hasUrls()
                        ? tr("Only local files and folders can be dropped; save remote images first.")
                        : tr("There is no image in what was dropped or pasted."));
    return false;
}

void DropZone::dragEnterEvent(QDragEnterEvent* event)
{
    if (canAcceptMimeData(event->mimeData())) {
        event->acceptProposedAction();
        setHighlighted(true);
    }
}

void DropZone::dragLeaveEvent(QDragLeaveEvent* event)
{
    setHighlighted(false);
    QFrame::dragLeaveEvent(event);
}

void DropZone::dropEvent(QDropEvent* event)
{
    setHighlighted(false);
    if (acceptMimeData(event->mimeData()))
        event->acceptProposedAction();
}

void DropZone::keyPressEvent(QKeyEvent* event)
{
    if (event->matches(QKeySequence::Paste)) {
        acceptMimeData(QGuiApplication::clipboard()->mimeData());
        return;
    }
    QFrame::keyPressEvent(event);
}

} // namespace mwb
