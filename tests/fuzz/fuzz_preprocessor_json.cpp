// preprocessor_config.json (and the model config's pretrained_cfg) to a preprocessing recipe. The
// input is split at the first NUL byte: preprocessor config before it, model config after it.
#include "imaging/preprocess_recipe.h"
#include "util/json_parse.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const std::size_t split = bytes.find('\0');
    auto processor = mwb::parseJson(bytes.substr(0, split), "preprocessor_config.json");
    std::optional<nlohmann::json> model;
    if (split != std::string_view::npos)
        if (auto parsed = mwb::parseJson(bytes.substr(split + 1), "config.json"))
            model = std::move(*parsed);
    (void)mwb::preprocessRecipeFromJson(processor ? &*processor : nullptr, model ? &*model : nullptr);
    return 0;
}
