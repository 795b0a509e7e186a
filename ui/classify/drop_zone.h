#pragma once

// The area images are dropped on: local files and folders (many at once), and image data dragged or
// pasted (Ctrl+V) from other applications. It only turns what arrives into signals; ClassifyPanel
// decides what to do with them. GUI thread only.

#include <QFrame>

class QMimeData;

namespace mwb {

class DropZone final : public QFrame
{
    Q_OBJECT

public:
    explicit DropZone(QWidget* parent = nullptr);

    // What a drop or a paste does with its data; returns false when nothing usable was in it.
    bool acceptMimeData(const QMimeData* mime);

Q_SIGNALS:
    void pathsDropped(const QStringList& paths);
    // An image without a file: `bytes` are encoded (the source's PNG/JPEG... when offered, else PNG).
    void imageDropped(const QString& name, const QByteArray& bytes);
    void rejected(const QString& reason);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragLeaveEvent(QDragLeaveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void setHighlighted(bool on);
    int m_pastedCount = 0;
};

// True when the mime data holds something a DropZone accepts.
bool canAcceptMimeData(const QMimeData* mime);

} // namespace mwb
