#include "weights/safetensors_header.h"

#include "util/json_parse.h"
#include "weights/safetensors_dtype.h"

#include <algorithm>
#include <cstring>
#include <set>

#include <nlohmann/json.hpp>

namespace mwb {

namespace {

using json = nlohmann::json;

uint64_t readLittleEndian64(std::string_view bytes)
{
    uint64_t value = 0;
    for (int i = 7; i >= 0; --i)
        value = (value << 8) | uint8_t(bytes[size_t(i)]);
    return value;
}

std::unexpected<Error> invalid(const std::string& fileName, const std::string& what)
{
    return fail(ErrorKind::InvalidInput, fileName + ": " + what);
}

// nlohmann keeps the last of duplicate keys; duplicates at the top level (tensor names) are refused.
Result<json> parseHeaderJson(std::string_view text, const std::string& fileName)
{
    auto parsed = parseJson(text, fileName, {limits::kSafetensorsHeaderBytes.value});
    if (!parsed)
        return invalid(fileName, "safetensors header is not valid UTF-8 JSON: " +
                                     parsed.error().message.substr(fileName.size() + 2));
    json header = std::move(*parsed);
    if (const auto duplicate = findDuplicateTopLevelKey(text))
        return invalid(fileName, "safetensors header names tensor \"" + *duplicate + "\" more than once");
    if (!header.is_object())
        return invalid(fileName, "safetensors header is not a JSON object");
    return header;
}

Result<std::map<std::string, std::string>> parseMetadata(const json& value, const std::string& fileName)
{
    if (!value.is_object())
        return invalid(fileName, "safetensors __metadata__ is not an object of strings");
    std::map<std::string, std::string> metadata;
    for (const auto& [key, item] : value.items()) {
        if (!item.is_string())
            return invalid(fileName, "safetensors __metadata__ value of \"" + key + "\" is not a string");
        metadata[key] = item.get<std::string>();
    }
    return metadata;
}

Result<SafetensorsEntry>
parseEntry(const std::string& name, const json& value, const std::string& fileName, bool requireLibTorchDtype)
{
    const std::string where = fileName + ": tensor \"" + name + "\": ";
    auto bad = [&](const std::string& what) { return fail(ErrorKind::InvalidInput, where + what); };
    if (!value.is_object())
        return bad("entry is not an object");
    const auto dtypeIt = value.find("dtype");
    const auto shapeIt = value.find("shape");
    const auto offsetsIt = value.find("data_offsets");
    if (dtypeIt == value.end() || !dtypeIt->is_string())
        return bad("missing or non-string \"dtype\"");
    if (shapeIt == value.end() || !shapeIt->is_array())
        return bad("missing or non-array \"shape\"");
    if (offsetsIt == value.end() || !offsetsIt->is_array() || offsetsIt->size() != 2 ||
        !(*offsetsIt)[0].is_number_unsigned() || !(*offsetsIt)[1].is_number_unsigned())
        return bad("\"data_offsets\" must be two non-negative integers");

    SafetensorsEntry entry{name,
                           dtypeIt->get<std::string>(),
                           {},
                           (*offsetsIt)[0].get<uint64_t>(),
                           (*offsetsIt)[1].get<uint64_t>()};
    const auto dtype = findSafetensorsDtype(entry.dtype);
    if (!dtype)
        return bad("unknown dtype \"" + entry.dtype + "\"");
    if (requireLibTorchDtype && !dtype->inLibTorch113)
        return bad("dtype " + entry.dtype + " is not supported by LibTorch 1.13");

    uint64_t elements = 1;
    for (const json& dim : *shapeIt) {
        if (!dim.is_number_unsigned() || dim.get<uint64_t>() > uint64_t(INT64_MAX))
            return bad("shape must be a list of non-negative integers");
        if (__builtin_mul_overflow(elements, dim.get<uint64_t>(), &elements))
            return bad("shape is too large (element count overflows)");
        entry.shape.push_back(dim.get<int64_t>());
    }
    uint64_t bits = 0;
    if (__builtin_mul_overflow(elements, uint64_t(dtype->bits), &bits))
        return bad("shape is too large (byte count overflows)");
    if (bits % 8 != 0)
        return bad("sub-byte tensor does not fill whole bytes");
    if (entry.end < entry.begin)
        return bad("data_offsets end before they begin");
    if (entry.end - entry.begin != bits / 8)
        return bad(entry.dtype + " shape needs " + std::to_string(bits / 8) +
                   " bytes but data_offsets span " + std::to_string(entry.end - entry.begin));
    return entry;
}

// Offsets must tile [0, dataSize) exactly: each tensor starts where the previous one ended.
Result<void>
checkContiguous(std::vector<SafetensorsEntry>& entries, uint64_t dataSize, const std::string& fileName)
{
    std::stable_sort(entries.begin(), entries.end(),
                     [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
                         return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
                     });
    uint64_t expected = 0;
    for (const SafetensorsEntry& entry : entries) {
        if (entry.begin < expected)
            return invalid(fileName, "tensor \"" + entry.name + "\": data_offsets [" +
                                         std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                                         ") overlap the previous tensor");
        if (entry.begin > expected)
            return invalid(fileName, "tensor \"" + entry.name + "\": data_offsets [" +
                                         std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                                         ") leave a hole after byte " + std::to_string(expected));
        expected = entry.end;
    }
    if (expected != dataSize)
        return invalid(fileName, "tensor data covers " + std::to_string(expected) +
                                     " bytes but the file holds " + std::to_string(dataSize) + " data bytes" +
                                     (expected > dataSize ? " (truncated file or offsets out of range)"
                                                          : " (trailing bytes)"));
    return {};
}

} // namespace

bool looksLikeSafetensors(std::string_view bytes)
{
    // Text or other binary formats make a huge number of their first 8 bytes; anything below 1 TiB
    // is handed to the header validation, which explains precisely what is wrong.
    return bytes.size() >= 8 && readLittleEndian64(bytes) < (uint64_t(1) << 40);
}

Result<SafetensorsHeader>
parseSafetensorsHeader(std::string_view bytes, const std::string& fileName, bool requireLibTorchDtype)
{
    if (bytes.size() < 8)
        return invalid(fileName, "file is too small for a safetensors header (" +
                                     std::to_string(bytes.size()) + " bytes)");
    const uint64_t headerLength = readLittleEndian64(bytes);
    if (headerLength > kSafetensorsMaxHeaderBytes)
        return invalid(fileName, "safetensors header length " + std::to_string(headerLength) +
                                     " exceeds the 100,000,000-byte limit");
    if (headerLength > bytes.size() - 8)
        return invalid(fileName, "safetensors header length " + std::to_string(headerLength) +
                                     " runs past the end of the file (" + std::to_string(bytes.size()) +
                                     " bytes)");
    auto json = parseHeaderJson(bytes.substr(8, headerLength), fileName);
    if (!json)
        return std::unexpected(json.error());

    if (json->size() > limits::kTensorCount.value + 1) // + __metadata__
        return invalid(fileName, exceedsLimit(limits::kTensorCount, json->size()));
    SafetensorsHeader header;
    header.dataStart = 8 + headerLength;
    header.entries.reserve(json->size());
    for (const auto& [name, value] : json->items()) {
        if (name == "__metadata__") {
            auto metadata = parseMetadata(value, fileName);
            if (!metadata)
                return std::unexpected(metadata.error());
            header.metadata = std::move(*metadata);
            continue;
        }
        auto entry = parseEntry(name, value, fileName, requireLibTorchDtype);
        if (!entry)
            return std::unexpected(entry.error());
        header.entries.push_back(std::move(*entry));
    }
    if (auto ok = checkContiguous(header.entries, bytes.size() - header.dataStart, fileName); !ok)
        return std::unexpected(ok.error());
    return header;
}

} // namespace mwb
