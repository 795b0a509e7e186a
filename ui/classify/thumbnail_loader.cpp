#include "classify/thumbnail_loader.h"

#include <utility>
#include <vector>

#include <QBuffer>
#include <QImageReader>

namespace mwb {
namespace {

constexpr int kCachedThumbnails = 4000;
constexpr std::size_t kMaxPending = 400; // a few screens of rows
constexpr int kPerJob = 24;

using Decoded = std::vector<std::pair<int, QImage>>;

} // namespace

QImage decodeScaledImage(const std::filesystem::path& path, const QByteArray& encoded, int maxSide)
{
    QBuffer buffer;
    QImageReader reader;
    if (encoded.isEmpty()) {
        reader.setFileName(QString::fromStdString(path.string()));
    } else {
        buffer.setData(encoded);
        buffer.open(QIODevice::ReadOnly);
        reader.setDevice(&buffer);
    }
    reader.setAutoTransform(true); // EXIF orientation, as the classifier sees it
    const QSize size = reader.size();
    if (size.isValid() && (size.width() > maxSide || size.height() > maxSide))
        reader.setScaledSize(size.scaled(maxSide, maxSide, Qt::KeepAspectRatio));
    return reader.read();
}

ThumbnailLoader::ThumbnailLoader(int side, QObject* parent) : QObject(parent), m_side(side)
{
    m_cache.setMaxCost(kCachedThumbnails);
}

ThumbnailLoader::~ThumbnailLoader() = default;

QPixmap ThumbnailLoader::thumbnail(int row, const std::filesystem::path& path, const QByteArray& encoded)
{
    if (QPixmap* cached = m_cache.object(row))
        return *cached;
    if (m_failed.contains(row) || m_queued.contains(row))
        return {};
    m_pending.push_back({row, path, encoded});
    m_queued.insert(row);
    while (m_pending.size() > kMaxPending) {
        m_queued.remove(m_pending.front().row);
        m_pending.pop_front();
    }
    startNext();
    return {};
}

void ThumbnailLoader::clear()
{
    ++m_generation;
    m_pending.clear();
    m_queued.clear();
    m_failed.clear();
    m_cache.clear();
}

void ThumbnailLoader::startNext()
{
    if (m_busy || m_pending.empty())
        return;
    std::vector<Request> batch;
    while (!m_pending.empty() && static_cast<int>(batch.size()) < kPerJob) {
        batch.push_back(std::move(m_pending.back())); // newest first: what is on screen now
        m_pending.pop_back();
    }
    m_busy = true;
    const int side = m_side;
    const unsigned generation = m_generation;
    std::vector<int> rows;
    for (const Request& request : batch)
        rows.push_back(request.row);
    startJob<Decoded>(
        m_pool, this,
        [batch = std::move(batch), side](JobContext& context) -> Result<Decoded> {
            Decoded decoded;
            for (const Request& request : batch) {
                if (context.isCancelled())
                    break;
                decoded.emplace_back(request.row, decodeScaledImage(request.path, request.encoded, side));
            }
            return decoded;
        },
        [this, generation, rows = std::move(rows)](Result<Decoded> decoded) {
            m_busy = false;
            if (generation == m_generation) {
                for (int row : rows) // asked for again if still on screen (a failed job included)
                    m_queued.remove(row);
            }
            if (decoded && generation == m_generation) {
                for (auto& [row, image] : *decoded) {
                    if (image.isNull()) {
                        m_failed.insert(row);
                        continue;
                    }
                    m_cache.insert(row, new QPixmap(QPixmap::fromImage(std::move(image))));
                    Q_EMIT thumbnailReady(row);
                }
            }
            startNext();
        });
}

} // namespace mwb
