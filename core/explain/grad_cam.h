#pragma once

// Grad-CAM (Selvaraju et al. 2017) in its LayerCAM form (Jiang et al. 2021): which parts of the image
// made the model choose a class. The gradient of the class logit with respect to a stage's feature
// map, clipped at zero, weights that map's activations position by position; their sum over
// channels, upsampled to the model's input, is the heat map.
//
// Computed in float32 with autograd on the model's own modules (whatever precision inference uses),
// in eval mode, without touching the parameters' gradients. Torch-free header: ui/ and app/ may
// include it.
//
// Threads: call from a worker thread; the model must not be used by another thread at the same time
// (Model is not synchronised). Errors come back as values (InvalidInput naming what is wrong).

#include "error.h"
#include "imaging/image_buffer.h"
#include "imaging/preprocess.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mwb {

class Model;

struct GradCamOptions
{
    std::optional<int> classIndex; // explain this class; default: the top class
    // Which stage's output (1..4) to explain. 0 picks the last stage whose map is at least 7x7 on its
    // short side (layer4 at the usual 224 px input; layer1 for tiny inputs such as 28 px, where
    // layer4 is 1x1 and could not say where anything is).
    int stage = 0;
};

struct GradCamResult
{
    int classIndex = 0;
    float score = 0;  // softmax probability of that class
    int stage = 0;    // the stage explained (1..4)
    int mapWidth = 0; // that stage's feature map size
    int mapHeight = 0;
    int width = 0; // the heat map's size: the model input's
    int height = 0;
    std::vector<float> heat; // height * width values in [0, 1] (max 1 unless all zero), row-major
};

// `input` is a preprocessed image (its `data` is what the model sees).
Result<GradCamResult>
gradCam(const Model& model, const PreprocessedImage& input, const GradCamOptions& options = {});

// The image the model saw (`modelInput`, grey or RGB) with the heat map blended over it in a
// blue-to-red palette; `opacity` 0..1. Scaled up by a whole factor (nearest neighbour for the image,
// bilinear for the heat) so the short side is at least `minSide` pixels. The result is RGB.
Image8
overlayHeatMap(const Image8& modelInput, const GradCamResult& cam, double opacity = 0.5, int minSide = 224);

// Writes an 8-bit grey or RGB image as PNG (atomically enough for a result file: written whole).
Result<void> writePng(const std::filesystem::path& path, const Image8& image);

// The palette colour (RGB) for a heat value in [0, 1].
void heatColor(float value, std::uint8_t rgb[3]);

} // namespace mwb
