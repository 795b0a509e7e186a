#pragma once

// ImageNet-1k's 1000 class names in index order (timm's lemmas, the text transformers configs put in
// id2label: "tench, Tinca tinca"), compiled in from resources/labels/imagenet-1k-labels.txt. Used for
// models with 1000 classes and no labels of their own. Read-only data: any thread.

#include <string>
#include <vector>

namespace mwb {

const std::vector<std::string>& imagenet1kLabels();

} // namespace mwb
