#pragma once

// Image classification with a Model: decode and preprocess each image with the folder's recipe, run
// the model in batches, and turn logits into the top-k labelled scores. Torch-free: ui/ and app/ may
// include this header.
//
// The forward pass runs on an InferenceEngine built from the model when the classifier is created
// (exact float32 unless the options ask for fast bfloat16; all physical cores unless told otherwise).
// While one batch runs through the engine, the next batch is decoded and preprocessed on one more
// thread, so decoding overlaps the forward pass.
//
// Ownership and threads: a Classifier shares its Model and its engine (std::shared_ptr) and copies its
// recipe, so copies are cheap. classify() is slow: call it on a worker thread (it opens
// c10::InferenceMode in the calling thread). Runs on one engine are serialised by the engine. The
// progress callback runs on the calling (worker) thread; the GUI runs classify() as a core/jobs Job
// (ui/classify/classify_runner) and hands results to the GUI thread.
//
// Errors: creating a classifier fails (InvalidInput) when the model has no classifier head. During a
// run, one bad image never stops the others: its result carries an Error naming the file.

#include "error.h"
#include "imaging/image_buffer.h"
#include "imaging/preprocess_recipe.h"
#include "inference/engine/inference_engine.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QString>

#include <nlohmann/json_fwd.hpp>

namespace mwb {

struct PreprocessedImage;

class Model;

// How logits become scores: softmax for single-label models, sigmoid when the config's problem_type
// is "multi_label_classification" (as transformers' image-classification pipeline does).
enum class ScoreFunction
{
    Softmax,
    Sigmoid,
};

struct Prediction
{
    int index = 0;     // class index into the logits
    std::string label; // id2label[index], or "LABEL_<index>" when the config has none
    float score = 0;   // softmax probability or sigmoid of the logit
};

// One image to classify: a file, or encoded bytes (an image pasted or dragged from another application).
struct ImageSource
{
    std::string name;                // how results and errors name it; the path for files
    std::filesystem::path path;      // read when `bytes` is empty
    std::vector<std::uint8_t> bytes; // an encoded image (PNG, JPEG, ...)

    static ImageSource file(const std::filesystem::path& path);
    static ImageSource encoded(std::string name, std::vector<std::uint8_t> bytes);
};

struct ClassifyResult
{
    std::string image;                   // ImageSource::name
    std::vector<Prediction> predictions; // best first; empty when `error` is set
    std::optional<Error> error;          // why this image has no predictions (names the file)

    // Kept when the options ask for them (they cost memory):
    Image8 modelInput;                       // keepModelInput: the uint8 pixels after resize and crop
    std::vector<float> pixelValues;          // keepPixelValues: the CHW float32 values the model saw
    int channels = 0, height = 0, width = 0; // shape of pixelValues / modelInput (0 on error)

    bool ok() const { return !error.has_value(); }
};

struct ClassifyOptions
{
    int topK = 5;      // clamped to 1..number of classes
    int batchSize = 8; // images per forward pass (at least 1)
    bool keepModelInput = false;
    bool keepPixelValues = false;
    // When false, ClassifyRun::results stays empty and results only reach the progress callback: a
    // run over any number of images then holds only a few batches (streaming).
    bool keepResults = true;
    // Decode batches while others run through the engine: with two or more engine threads and more
    // than one batch, one worker per thread decodes a batch and runs it on a one-thread engine lane
    // (no more threads than cores, results still in order). When false, or for a single batch, each
    // batch is decoded on all the engine's threads, then run on all of them (lowest latency).
    bool overlapDecode = true;
};

struct ClassifyRun
{
    // One result per image, in input order, for the images handled before a cancel (all of them
    // when not cancelled).
    std::vector<ClassifyResult> results;
    std::size_t handled = 0; // images handled (results.size() when keepResults)
    bool cancelled = false;
};

class Classifier
{
public:
    // `model` must not be null. Fails (InvalidInput) when its num_classes is 0 (no classifier).
    // Builds the inference engine with `engine` (fails as InferenceEngine::build does).
    static Result<Classifier>
    create(std::shared_ptr<const Model> model, PreprocessRecipe recipe, const EngineOptions& engine = {});
    // A pretrained folder: its model (weights loaded strictly) and its preprocessing recipe.
    static Result<Classifier> fromPretrained(const std::filesystem::path& folder,
                                             const EngineOptions& engine = {});

    const Model& model() const { return *m_model; }
    std::shared_ptr<const Model> sharedModel() const { return m_model; }
    const PreprocessRecipe& recipe() const { return m_recipe; }
    const std::vector<std::string>& labels() const { return m_labels; } // one per class
    ScoreFunction scoreFunction() const { return m_scoreFunction; }
    InferenceEngine& engine() const { return *m_engine; } // synchronised internally

    // Called once per image, in input order, as soon as its batch is done.
    using Progress = std::function<void(std::size_t index, const ClassifyResult& result)>;

    // Classifies `images` in batches. `cancel`, when set by another thread, stops the run before the
    // next image is preprocessed; images already handled keep their results.
    ClassifyRun classify(const std::vector<ImageSource>& images,
                         const ClassifyOptions& options = {},
                         const std::atomic<bool>* cancel = nullptr,
                         const Progress& progress = {}) const;

private:
    Classifier() = default;

    using PreparedBatch = std::vector<Result<PreprocessedImage>>;
    // Decodes images [start, start + count) on `threads` threads ("cancelled" errors once cancelled).
    PreparedBatch decodeBatch(const std::vector<ImageSource>& images,
                              std::size_t start,
                              std::size_t count,
                              int threads,
                              const std::atomic<bool>* cancel) const;
    // One batch through the engine's `lane`: results in image order.
    std::vector<ClassifyResult> runBatch(const std::vector<ImageSource>& images,
                                         std::size_t start,
                                         PreparedBatch& prepared,
                                         const ClassifyOptions& options,
                                         int lane) const;
    void runInLanes(const std::vector<ImageSource>& images,
                    const ClassifyOptions& options,
                    const std::atomic<bool>* cancel,
                    std::size_t batches,
                    const std::function<void(std::size_t, std::vector<ClassifyResult>&)>& emit) const;

    std::shared_ptr<const Model> m_model;
    std::shared_ptr<InferenceEngine> m_engine;
    PreprocessRecipe m_recipe;
    std::vector<std::string> m_labels;
    ScoreFunction m_scoreFunction = ScoreFunction::Softmax;
};

// Class names from a config's id2label ("LABEL_<i>" for indices it lacks), one per class.
std::vector<std::string> classLabels(const nlohmann::json& config, int numClasses);
ScoreFunction scoreFunctionFor(const nlohmann::json& config);

// Writes the `pixel_values` tensor (N, C, H, W float32) of the results that kept pixel values, in
// order, as safetensors (atomically). Fails when there are none or their shapes differ.
Result<void> writePixelValues(const QString& path, const std::vector<ClassifyResult>& results);

} // namespace mwb
