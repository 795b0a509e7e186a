#pragma once

// Thumbnails for the results table, decoded off the GUI thread and only when a view asks for them (so
// 50,000 rows cost only the rows on screen). thumbnail() answers from a bounded cache or queues the
// row and returns a null pixmap; thumbnailReady(row) follows once it is decoded. The newest requests
// are decoded first (the rows the user is looking at now); stale ones beyond a bound are dropped and
// asked for again if they come back on screen.
//
// GUI thread only. Decoding runs on the loader's own JobPool (one thread) with QImageReader, which
// applies the EXIF orientation as the classifier does; the pool is drained when the loader goes.

#include "jobs/job.h"

#include <deque>
#include <filesystem>

#include <QByteArray>
#include <QCache>
#include <QObject>
#include <QPixmap>
#include <QSet>

namespace mwb {

class ThumbnailLoader final : public QObject
{
    Q_OBJECT

public:
    explicit ThumbnailLoader(int side, QObject* parent = nullptr);
    ~ThumbnailLoader() override;

    int side() const { return m_side; }
    // The thumbnail of `row` (a file, or encoded bytes when `encoded` is not empty), or a null pixmap
    // while it is being decoded. A row that could not be decoded stays null and is not retried.
    QPixmap thumbnail(int row, const std::filesystem::path& path, const QByteArray& encoded);
    // Forgets every row (the table was cleared); decodes in flight are dropped.
    void clear();
    int pendingCount() const { return static_cast<int>(m_pending.size()); }

Q_SIGNALS:
    void thumbnailReady(int row);

private:
    struct Request
    {
        int row = 0;
        std::filesystem::path path;
        QByteArray encoded;
    };
    void startNext();

    int m_side;
    JobPool m_pool{1};
    std::deque<Request> m_pending; // newest at the back
    QSet<int> m_queued;            // rows in m_pending or in flight
    QSet<int> m_failed;
    QCache<int, QPixmap> m_cache;
    bool m_busy = false;
    unsigned m_generation = 0;
};

// Decodes an image file or encoded bytes, scaled down to fit `maxSide` (EXIF orientation applied).
// Any thread. Null when it cannot be read.
QImage decodeScaledImage(const std::filesystem::path& path, const QByteArray& encoded, int maxSide);

} // namespace mwb
