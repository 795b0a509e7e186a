// config.json: parsing, validation against the registered schema, effective config, serialization.
#include "config/config_io.h"
#include "registry/model_registry.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
    auto doc = mwb::parseConfigJson(bytes, "config.json");
    if (!doc)
        return 0;
    auto schema = mwb::ModelRegistry::builtin().schemaForConfig(*doc);
    if (!schema)
        return 0;
    (void)mwb::validateConfig(*doc, **schema);
    (void)mwb::serializeConfig(mwb::effectiveConfig(*doc, **schema));
    return 0;
}
