#include "weights/pickle_opcodes.h"

#include <cstdint>
#include <cstdio>

namespace mwb {

namespace {

using namespace pickle_op;

enum class ArgKind
{
    None,
    Fixed,       // `size` bytes
    Counted,     // a `size`-byte little-endian length, then that many bytes
    SignedCount, // like Counted with a signed 4-byte length (BINSTRING)
    Line,        // up to '\n'
    TwoLines,    // GLOBAL / INST
    Unknown,
};

struct ArgShape
{
    ArgKind kind;
    int size = 0;
};

ArgShape argShape(uint8_t code)
{
    switch (code) {
    case kMark:
    case kStop:
    case kPop:
    case kPopMark:
    case kDup:
    case kNone:
    case kBinPersId:
    case kReduce:
    case kAppend:
    case kBuild:
    case kDict:
    case kEmptyDict:
    case kAppends:
    case kList:
    case kEmptyList:
    case kObj:
    case kSetItem:
    case kTuple:
    case kEmptyTuple:
    case kSetItems:
    case kNewObj:
    case kTuple1:
    case kTuple2:
    case kTuple3:
    case kNewTrue:
    case kNewFalse:
    case kEmptySet:
    case kAddItems:
    case kFrozenSet:
    case kNewObjEx:
    case kStackGlobal:
    case kMemoize:
    case kNextBuffer:
    case kReadonlyBuffer:
        return {ArgKind::None};
    case kBinInt1:
    case kBinGet:
    case kBinPut:
    case kProto:
    case kExt1:
        return {ArgKind::Fixed, 1};
    case kBinInt2:
    case kExt2:
        return {ArgKind::Fixed, 2};
    case kBinInt:
    case kLongBinGet:
    case kLongBinPut:
    case kExt4:
        return {ArgKind::Fixed, 4};
    case kBinFloat:
    case kFrame:
        return {ArgKind::Fixed, 8};
    case kShortBinString:
    case kShortBinBytes:
    case kShortBinUnicode:
    case kLong1:
        return {ArgKind::Counted, 1};
    case kBinUnicode:
    case kBinBytes:
    case kLong4:
        return {ArgKind::Counted, 4};
    case kBinString:
        return {ArgKind::SignedCount, 4};
    case kBinUnicode8:
    case kBinBytes8:
    case kByteArray8:
        return {ArgKind::Counted, 8};
    case kFloat:
    case kInt:
    case kLong:
    case kPersId:
    case kString:
    case kUnicode:
    case kGet:
    case kPut:
        return {ArgKind::Line};
    case kGlobal:
    case kInst:
        return {ArgKind::TwoLines};
    default:
        return {ArgKind::Unknown};
    }
}

std::unexpected<Error> truncated(const std::string& source, uint64_t offset, uint8_t code)
{
    return fail(ErrorKind::InvalidInput, source + ": pickle is truncated (opcode " + pickleOpName(code) +
                                             " at byte " + std::to_string(offset) + ")");
}

} // namespace

uint64_t pickleUnsigned(std::string_view bytes)
{
    uint64_t value = 0;
    for (size_t i = bytes.size(); i-- > 0;)
        value = (value << 8) | uint8_t(bytes[i]);
    return value;
}

std::optional<uint64_t> parsePickleDecimal(std::string_view text)
{
    auto isSpace = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    while (!text.empty() && isSpace(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isSpace(text.back()))
        text.remove_suffix(1);
    if (!text.empty() && text.front() == '+')
        text.remove_prefix(1);
    if (text.empty() || text.front() == '_' || text.back() == '_')
        return std::nullopt;
    uint64_t value = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '_') {
            if (text[i + 1] == '_')
                return std::nullopt;
            continue;
        }
        if (text[i] < '0' || text[i] > '9' || value > (uint64_t(INT64_MAX) - uint64_t(text[i] - '0')) / 10)
            return std::nullopt;
        value = value * 10 + uint64_t(text[i] - '0');
    }
    return value;
}

std::string pickleOpName(uint8_t code)
{
    switch (code) {
    case kReduce:
        return "REDUCE";
    case kBuild:
        return "BUILD";
    case kGlobal:
        return "GLOBAL";
    case kStackGlobal:
        return "STACK_GLOBAL";
    case kInst:
        return "INST";
    case kObj:
        return "OBJ";
    case kNewObj:
        return "NEWOBJ";
    case kNewObjEx:
        return "NEWOBJ_EX";
    case kBinPersId:
        return "BINPERSID";
    case kPersId:
        return "PERSID";
    default:
        break;
    }
    char text[8];
    if (code >= 0x20 && code < 0x7f)
        std::snprintf(text, sizeof text, "'%c'", code);
    else
        std::snprintf(text, sizeof text, "0x%02x", code);
    return text;
}

Result<PickleOp> readPickleOp(std::string_view data, uint64_t& pos, const std::string& source)
{
    if (pos >= data.size())
        return fail(ErrorKind::InvalidInput, source + ": pickle ends without STOP");
    PickleOp op{uint8_t(data[pos]), pos, {}};
    uint64_t at = pos + 1;
    const uint64_t left = data.size() - at;
    const ArgShape shape = argShape(op.code);
    switch (shape.kind) {
    case ArgKind::None:
        break;
    case ArgKind::Fixed:
        if (left < uint64_t(shape.size))
            return truncated(source, op.offset, op.code);
        op.arg = data.substr(at, shape.size);
        at += shape.size;
        break;
    case ArgKind::Counted:
    case ArgKind::SignedCount: {
        if (left < uint64_t(shape.size))
            return truncated(source, op.offset, op.code);
        const uint64_t length = pickleUnsigned(data.substr(at, shape.size));
        if ((shape.kind == ArgKind::SignedCount && length > uint64_t(INT32_MAX)) ||
            length > left - shape.size)
            return truncated(source, op.offset, op.code);
        op.arg = data.substr(at + shape.size, length);
        at += shape.size + length;
        break;
    }
    case ArgKind::Line:
    case ArgKind::TwoLines: {
        size_t end = data.find('\n', at);
        if (end != std::string_view::npos && shape.kind == ArgKind::TwoLines)
            end = data.find('\n', end + 1);
        if (end == std::string_view::npos)
            return truncated(source, op.offset, op.code);
        op.arg = data.substr(at, end - at);
        at = end + 1;
        break;
    }
    case ArgKind::Unknown:
        return fail(ErrorKind::InvalidInput, source + ": not a valid pickle (unknown opcode " +
                                                 pickleOpName(op.code) + " at byte " + std::to_string(pos) +
                                                 ")");
    }
    pos = at;
    return op;
}

} // namespace mwb
