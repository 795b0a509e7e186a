// Batched classification with LibTorch: preprocess a batch (in parallel), stack the images of one shape
// into a tensor, run the model, score and take the top k.

#include "inference/classifier.h"

#include "imaging/preprocess.h"
#include "inference/engine/engine_internal.h"
#include "model/model.h"
#include "model/model_internal.h"
#include "util/exception_text.h"
#include "weights/weight_reader.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/sigmoid.h>
#include <ATen/ops/softmax.h>
#include <ATen/ops/topk.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

namespace mwb {
namespace {

using Shape = std::tuple<int, int, int>; // channels, height, width

Result<PreprocessedImage> preprocessSource(const ImageSource& source, const PreprocessRecipe& recipe)
{
    if (!source.bytes.empty())
        return preprocessImageBytes(source.bytes, source.name, recipe);
    return preprocessImageFile(source.path, recipe);
}

// (N, C, H, W) float32 from preprocessed images of one shape.
at::Tensor stackImages(const std::vector<const PreprocessedImage*>& images)
{
    const PreprocessedImage& first = *images.front();
    at::Tensor batch = at::empty(
        {static_cast<std::int64_t>(images.size()), first.channels, first.height, first.width}, at::kFloat);
    const std::size_t imageValues = first.data.size();
    float* out = batch.data_ptr<float>();
    for (std::size_t i = 0; i < images.size(); ++i)
        std::memcpy(out + i * imageValues, images[i]->data.data(), imageValues * sizeof(float));
    return batch;
}

// Ranks by logits, not scores: softmax and sigmoid keep the order, but in float32 sigmoid saturates
// (large logits all become 1.0), which would turn a clear ranking into ties.
std::vector<Prediction> topPredictions(const at::Tensor& logits,
                                       const at::Tensor& scores,
                                       std::int64_t row,
                                       int k,
                                       const std::vector<std::string>& labels)
{
    const auto indices = std::get<1>(at::topk(logits[row], k, /*dim=*/0, /*largest=*/true, /*sorted=*/true));
    const at::Tensor rowScores = scores[row];
    std::vector<Prediction> predictions;
    predictions.reserve(static_cast<std::size_t>(k));
    for (int j = 0; j < k; ++j) {
        const auto index = indices[j].item<std::int64_t>();
        predictions.push_back({static_cast<int>(index), labels[static_cast<std::size_t>(index)],
                               rowScores[index].item<float>()});
    }
    return predictions;
}

} // namespace

Result<Classifier>
Classifier::create(std::shared_ptr<const Model> model, PreprocessRecipe recipe, const EngineOptions& engine)
{
    if (!model)
        return fail(ErrorKind::InvalidInput, "no model to classify with");
    const nlohmann::json& config = model->config();
    const int numClasses = config.value("num_classes", 0);
    if (numClasses <= 0) {
        return fail(ErrorKind::InvalidInput,
                    "the model has no classifier (num_classes is 0): it outputs pooled features, not class "
                    "scores; set num_classes and load a classification head to classify images");
    }
    auto built = InferenceEngine::build(*model, engine);
    if (!built)
        return std::unexpected(built.error());
    Classifier classifier;
    classifier.m_model = std::move(model);
    classifier.m_engine = std::move(*built);
    classifier.m_recipe = std::move(recipe);
    classifier.m_labels = classLabels(config, numClasses);
    classifier.m_scoreFunction = scoreFunctionFor(config);
    return classifier;
}

Result<Classifier> Classifier::fromPretrained(const std::filesystem::path& folder,
                                              const EngineOptions& engine)
{
    auto model = Model::fromPretrained(QString::fromStdString(folder.string()));
    if (!model)
        return std::unexpected(model.error());
    auto recipe = loadPreprocessRecipe(folder);
    if (!recipe)
        return std::unexpected(recipe.error());
    return create(std::shared_ptr<const Model>(std::move(*model)), std::move(*recipe), engine);
}

// One batch's decoded images (an error in place of an image that failed).
Classifier::PreparedBatch Classifier::decodeBatch(const std::vector<ImageSource>& images,
                                                  std::size_t start,
                                                  std::size_t count,
                                                  int threads,
                                                  const std::atomic<bool>* cancel) const
{
    const auto cancelled = [cancel] { return cancel && cancel->load(std::memory_order_relaxed); };
    std::vector<std::optional<Result<PreprocessedImage>>> slots(count);
    const auto work = [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end && !cancelled(); ++i)
            slots[i] = preprocessSource(images[start + i], m_recipe);
    };
    // Plain threads, not this thread's OpenMP team: the team measured no faster than one thread for
    // this (allocation-heavy, uneven) work.
    const std::size_t parts =
        std::clamp<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), 1, count);
    std::vector<std::future<void>> helpers;
    for (std::size_t p = 1; p < parts; ++p)
        helpers.push_back(std::async(std::launch::async, work, count * p / parts, count * (p + 1) / parts));
    work(0, count / parts);
    for (auto& helper : helpers)
        helper.get();
    PreparedBatch batch;
    batch.reserve(count);
    for (auto& slot : slots) {
        if (slot)
            batch.push_back(std::move(*slot));
        else
            batch.push_back(fail(ErrorKind::Cancelled, "cancelled"));
    }
    return batch;
}

std::vector<ClassifyResult> Classifier::runBatch(const std::vector<ImageSource>& images,
                                                 std::size_t start,
                                                 PreparedBatch& prepared,
                                                 const ClassifyOptions& options,
                                                 int lane) const
{
    const int k = std::clamp(options.topK, 1, static_cast<int>(m_labels.size()));
    const std::size_t count = prepared.size();
    std::vector<ClassifyResult> batch(count);
    std::map<Shape, std::vector<std::size_t>> byShape; // a batch tensor needs one shape
    for (std::size_t i = 0; i < count; ++i) {
        ClassifyResult& result = batch[i];
        result.image = images[start + i].name;
        Result<PreprocessedImage>& image = prepared[i];
        if (!image) {
            result.error = image.error();
            continue;
        }
        result.channels = image->channels;
        result.height = image->height;
        result.width = image->width;
        byShape[{image->channels, image->height, image->width}].push_back(i);
    }
    for (const auto& [shape, members] : byShape) {
        std::vector<const PreprocessedImage*> group;
        for (std::size_t i : members)
            group.push_back(&*prepared[i]);
        Result<ForwardOutputs> outputs = [&]() -> Result<ForwardOutputs> {
            try {
                return engineForward(*m_engine, stackImages(group), false, lane);
            } catch (const std::exception& e) {
                return fail(ErrorKind::InvalidInput, "forward failed: " + exceptionReason(e));
            }
        }();
        if (!outputs) {
            for (std::size_t i : members)
                batch[i].error = Error{outputs.error().kind, batch[i].image + ": " + outputs.error().message};
            continue;
        }
        const at::Tensor scores = m_scoreFunction == ScoreFunction::Sigmoid ? at::sigmoid(outputs->logits)
                                                                            : at::softmax(outputs->logits, 1);
        for (std::size_t row = 0; row < members.size(); ++row)
            batch[members[row]].predictions =
                topPredictions(outputs->logits, scores, static_cast<std::int64_t>(row), k, m_labels);
    }
    for (std::size_t i = 0; i < count; ++i) {
        if (batch[i].ok()) {
            PreprocessedImage& image = *prepared[i];
            if (options.keepModelInput)
                batch[i].modelInput = std::move(image.modelInput);
            if (options.keepPixelValues)
                batch[i].pixelValues = std::move(image.data);
        }
    }
    return batch;
}

ClassifyRun Classifier::classify(const std::vector<ImageSource>& images,
                                 const ClassifyOptions& options,
                                 const std::atomic<bool>* cancel,
                                 const Progress& progress) const
{
    c10::InferenceMode inferenceMode; // thread-local: this (worker) thread
    const auto cancelled = [cancel] { return cancel && cancel->load(std::memory_order_relaxed); };
    const std::size_t batchSize = static_cast<std::size_t>(std::max(options.batchSize, 1));
    const std::size_t batches = (images.size() + batchSize - 1) / batchSize;
    const int threads = m_engine->threads();

    ClassifyRun run;
    if (options.keepResults)
        run.results.reserve(images.size());
    const auto emit = [&](std::size_t start, std::vector<ClassifyResult>& batch) {
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (progress)
                progress(start + i, batch[i]);
            ++run.handled;
            if (options.keepResults)
                run.results.push_back(std::move(batch[i]));
        }
    };

    if (options.overlapDecode && batches >= 2 && threads >= 2) {
        runInLanes(images, options, cancel, batches, emit);
        run.cancelled = cancelled() && run.handled < images.size();
        return run;
    }
    // One batch (or one thread, or overlap off): decode on all threads, then one forward pass on all.
    for (std::size_t b = 0; b < batches; ++b) {
        const std::size_t start = b * batchSize;
        PreparedBatch prepared =
            decodeBatch(images, start, std::min(batchSize, images.size() - start), threads, cancel);
        if (cancelled()) {
            run.cancelled = true;
            break;
        }
        std::vector<ClassifyResult> batch = runBatch(images, start, prepared, options, 0);
        emit(start, batch);
    }
    return run;
}

// Several batches in flight: one worker per engine thread, each decoding a whole batch and running it
// on its own one-thread engine lane, so decoding overlaps the forward passes of the other workers
// without a thread more than there are cores. Results are handed to `emit` on this thread in image
// order; at most two batches per worker wait to be emitted, so memory stays bounded at any length.
void Classifier::runInLanes(const std::vector<ImageSource>& images,
                            const ClassifyOptions& options,
                            const std::atomic<bool>* cancel,
                            std::size_t batches,
                            const std::function<void(std::size_t, std::vector<ClassifyResult>&)>& emit) const
{
    const auto cancelled = [cancel] { return cancel && cancel->load(std::memory_order_relaxed); };
    const std::size_t batchSize = static_cast<std::size_t>(std::max(options.batchSize, 1));
    const int lanes = m_engine->threads();
    const std::size_t window = 2 * static_cast<std::size_t>(lanes);

    std::mutex mutex;
    std::condition_variable changed;
    std::map<std::size_t, std::vector<ClassifyResult>> done; // batch index -> results
    std::size_t nextBatch = 0, emitted = 0;
    int running = lanes;

    const auto worker = [&](int lane) {
        c10::InferenceMode inference;
        for (;;) {
            std::size_t b = 0;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return nextBatch < emitted + window || cancelled(); });
                if (nextBatch >= batches || cancelled())
                    break;
                b = nextBatch++;
            }
            const std::size_t start = b * batchSize;
            PreparedBatch prepared =
                decodeBatch(images, start, std::min(batchSize, images.size() - start), 1, cancel);
            std::vector<ClassifyResult> results;
            if (!cancelled())
                results = runBatch(images, start, prepared, options, lane);
            std::lock_guard lock(mutex);
            if (cancelled())
                break;
            done.emplace(b, std::move(results));
            changed.notify_all();
        }
        std::lock_guard lock(mutex);
        --running;
        changed.notify_all();
    };
    std::vector<std::thread> workers;
    for (int lane = 1; lane <= lanes; ++lane)
        workers.emplace_back(worker, lane);

    // Once cancelled, no further batch is handed out, although other lanes may have finished theirs.
    for (std::size_t b = 0; b < batches && !cancelled(); ++b) {
        std::vector<ClassifyResult> results;
        {
            std::unique_lock lock(mutex);
            // Every worker notifies when it finishes a batch or stops (on cancel or at the end).
            changed.wait(lock, [&] { return done.contains(b) || running == 0; });
            if (!done.contains(b))
                break;
            results = std::move(done.at(b));
            done.erase(b);
            emitted = b + 1;
            changed.notify_all();
        }
        emit(b * batchSize, results);
    }
    {
        std::lock_guard lock(mutex);
        emitted = batches; // release any worker waiting for room
        changed.notify_all();
    }
    for (std::thread& w : workers)
        w.join();
}

Result<void> writePixelValues(const QString& path, const std::vector<ClassifyResult>& results)
{
    std::vector<const ClassifyResult*> kept;
    for (const ClassifyResult& result : results) {
        if (!result.pixelValues.empty())
            kept.push_back(&result);
    }
    if (kept.empty())
        return fail(ErrorKind::InvalidInput,
                    path.toStdString() + ": no image was decoded, no pixel_values to write");
    const ClassifyResult& first = *kept.front();
    for (const ClassifyResult* result : kept) {
        if (result->channels != first.channels || result->height != first.height ||
            result->width != first.width) {
            return fail(ErrorKind::InvalidInput,
                        path.toStdString() + ": the images do not share one shape (" + first.image + " is " +
                            std::to_string(first.height) + "x" + std::to_string(first.width) + ", " +
                            result->image + " is " + std::to_string(result->height) + "x" +
                            std::to_string(result->width) + "); the recipe has no crop to make them equal");
        }
    }
    try {
        at::Tensor batch = at::empty(
            {static_cast<std::int64_t>(kept.size()), first.channels, first.height, first.width}, at::kFloat);
        const std::size_t values = first.pixelValues.size();
        for (std::size_t i = 0; i < kept.size(); ++i)
            std::memcpy(batch.data_ptr<float>() + i * values, kept[i]->pixelValues.data(),
                        values * sizeof(float));
        return writeSafetensors(path, {{"pixel_values", batch}});
    } catch (const std::exception& e) {
        return fail(ErrorKind::Io, path.toStdString() + ": " + e.what());
    }
}

} // namespace mwb
