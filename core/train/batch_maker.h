#pragma once

// Internal to core/train (ATen): turning dataset images into normalised float batches, with the
// seeded per-sample augmentation, and a prefetching worker thread that prepares the next batches while
// the model trains on the current one.

#include "train/image_dataset.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mwb::train_detail {

struct Batch
{
    at::Tensor pixels; // B, C, H, W float32
    at::Tensor labels; // B int64
};

// A counter-based random number (splitmix64): the same inputs give the same value on every thread.
std::uint64_t mixBits(std::uint64_t a, std::uint64_t b);

class BatchMaker
{
public:
    BatchMaker(const ImageDataset& data, std::vector<double> mean, std::vector<double> std, bool augment);

    // The images at `indices`; when augmenting, sample i of the batch is shifted and flipped by
    // randomness drawn from (sampleSeed, indices position `first + i`).
    Batch
    make(const std::size_t* indices, std::size_t count, std::uint64_t sampleSeed, std::size_t first) const;

private:
    const ImageDataset& m_data;
    std::vector<float> m_scale, m_offset; // value = pixel * scale + offset, per channel
    bool m_augment = false;
    int m_pad = 0;
};

// Prepares batches [firstStep, steps) of an epoch order on a worker thread, at most `depth` ahead.
class Prefetcher
{
public:
    Prefetcher(const BatchMaker& maker,
               std::vector<std::size_t> order,
               std::size_t batchSize,
               std::size_t firstStep,
               std::size_t steps,
               std::uint64_t sampleSeed,
               std::size_t depth = 3);
    ~Prefetcher(); // stops the worker and waits for it
    Prefetcher(const Prefetcher&) = delete;
    Prefetcher& operator=(const Prefetcher&) = delete;

    Batch next(); // blocks until the next batch is ready; call at most steps - firstStep times

private:
    void run();

    const BatchMaker& m_maker;
    std::vector<std::size_t> m_order;
    std::size_t m_batchSize, m_firstStep, m_steps, m_depth;
    std::uint64_t m_seed;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Batch> m_ready;
    bool m_stop = false;
    std::thread m_worker;
};

} // namespace mwb::train_detail
