#pragma once

// The two parsers behind preprocessRecipeFromJson (internal to core/imaging).

#include "imaging/preprocess_recipe.h"
#include "imaging/recipe_fields.h"

namespace mwb {

inline const std::vector<double> kImagenetDefaultMean{0.485, 0.456, 0.406};
inline const std::vector<double> kImagenetDefaultStd{0.229, 0.224, 0.225};
inline const std::vector<double> kImagenetStandardMean{0.5, 0.5, 0.5};
inline const std::vector<double> kImagenetStandardStd{0.5, 0.5, 0.5};

// A transformers image processor (preprocessor_config.json).
Result<PreprocessRecipe>
recipeFromImageProcessor(const nlohmann::json& config, int channels, const std::string& fileLabel);

// timm's pretrained_cfg (the object itself, wherever it sits in config.json).
Result<PreprocessRecipe>
recipeFromTimmConfig(const nlohmann::json& pretrainedCfg, int channels, const std::string& fileLabel);

// Mean or std fitted to the channel count: one value is repeated; three values for a 1-channel model
// are averaged (an RGB statistic applied to luma); otherwise the count must match.
Result<std::vector<double>>
fitToChannels(const std::vector<double>& values, int channels, const RecipeFields& fields, const char* key);

} // namespace mwb
