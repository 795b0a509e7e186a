#include "train/batch_maker.h"

#include <ATen/ATen.h>

namespace mwb::train_detail {

std::uint64_t mixBits(std::uint64_t a, std::uint64_t b)
{
    std::uint64_t z = a * 0x9E3779B97F4A7C15ULL + b + 0x632BE59BD9B4E019ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

BatchMaker::BatchMaker(const ImageDataset& data,
                       std::vector<double> mean,
                       std::vector<double> std,
                       bool augment)
    : m_data(data), m_augment(augment), m_pad(std::max(1, std::min(data.width, data.height) / 8))
{
    for (int c = 0; c < data.channels; ++c) {
        const double m = c < static_cast<int>(mean.size()) ? mean[c] : 0.0;
        const double s = c < static_cast<int>(std.size()) && std[c] > 0 ? std[c] : 1.0;
        m_scale.push_back(static_cast<float>(1.0 / (255.0 * s)));
        m_offset.push_back(static_cast<float>(-m / s));
    }
}

Batch BatchMaker::make(const std::size_t* indices,
                       std::size_t count,
                       std::uint64_t sampleSeed,
                       std::size_t first) const
{
    const int channels = m_data.channels, height = m_data.height, width = m_data.width;
    const auto batch = static_cast<std::int64_t>(count);
    at::Tensor pixels = at::empty({batch, channels, height, width}, at::kFloat);
    at::Tensor labels = at::empty({batch}, at::kLong);
    float* out = pixels.data_ptr<float>();
    std::int64_t* labelOut = labels.data_ptr<std::int64_t>();
    const std::size_t plane = static_cast<std::size_t>(height) * width;
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint8_t* image = m_data.image(indices[i]);
        labelOut[i] = m_data.labels[indices[i]];
        int dx = 0, dy = 0;
        bool flip = false;
        if (m_augment) {
            const std::uint64_t bits = mixBits(sampleSeed, first + i);
            const auto span = static_cast<std::uint64_t>(2 * m_pad + 1);
            dx = static_cast<int>(bits % span) - m_pad;
            dy = static_cast<int>((bits >> 16) % span) - m_pad;
            flip = ((bits >> 40) & 1U) != 0;
        }
        // Pad with black, crop back to the size at (dx, dy), then flip: out(y, x) = in(y + dy, x' + dx).
        for (int c = 0; c < channels; ++c) {
            float* dst = out + (i * channels + c) * plane;
            const float scale = m_scale[c], offset = m_offset[c];
            for (int y = 0; y < height; ++y) {
                const int sy = y + dy;
                for (int x = 0; x < width; ++x) {
                    const int sx = (flip ? width - 1 - x : x) + dx;
                    const bool inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
                    const std::uint8_t value =
                        inside ? image[(static_cast<std::size_t>(sy) * width + sx) * channels + c] : 0;
                    dst[static_cast<std::size_t>(y) * width + x] = value * scale + offset;
                }
            }
        }
    }
    return {pixels, labels};
}

Prefetcher::Prefetcher(const BatchMaker& maker,
                       std::vector<std::size_t> order,
                       std::size_t batchSize,
                       std::size_t firstStep,
                       std::size_t steps,
                       std::uint64_t sampleSeed,
                       std::size_t depth)
    : m_maker(maker), m_order(std::move(order)), m_batchSize(batchSize), m_firstStep(firstStep),
      m_steps(steps), m_depth(std::max<std::size_t>(1, depth)), m_seed(sampleSeed),
      m_worker([this] { run(); })
{}

Prefetcher::~Prefetcher()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_changed.notify_all();
    m_worker.join();
}

void Prefetcher::run()
{
    for (std::size_t step = m_firstStep; step < m_steps; ++step) {
        {
            std::unique_lock lock(m_mutex);
            m_changed.wait(lock, [this] { return m_stop || m_ready.size() < m_depth; });
            if (m_stop)
                return;
        }
        const std::size_t first = step * m_batchSize;
        const std::size_t count = std::min(m_batchSize, m_order.size() - first);
        Batch batch = m_maker.make(m_order.data() + first, count, m_seed, first);
        {
            std::lock_guard lock(m_mutex);
            m_ready.push_back(std::move(batch));
        }
        m_changed.notify_all();
    }
}

Batch Prefetcher::next()
{
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] { return !m_ready.empty(); });
    Batch batch = std::move(m_ready.front());
    m_ready.pop_front();
    lock.unlock();
    m_changed.notify_all();
    return batch;
}

} // namespace mwb::train_detail
