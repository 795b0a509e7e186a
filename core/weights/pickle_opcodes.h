#pragma once

// Internal to core, torch-free: splitting a pickle byte stream into opcodes and their raw arguments
// (protocols 0-5), bounds-checked. Shared by the globals scanner and the restricted pickle machine;
// neither ever calls back into anything the pickle names.

#include "error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mwb {

namespace pickle_op {
inline constexpr uint8_t kMark = '(', kStop = '.', kPop = '0', kPopMark = '1', kDup = '2', kFloat = 'F',
                         kInt = 'I', kBinInt = 'J', kBinInt1 = 'K', kLong = 'L', kBinInt2 = 'M', kNone = 'N',
                         kPersId = 'P', kBinPersId = 'Q', kReduce = 'R', kString = 'S', kBinString = 'T',
                         kShortBinString = 'U', kUnicode = 'V', kBinUnicode = 'X', kAppend = 'a',
                         kBuild = 'b', kGlobal = 'c', kDict = 'd', kEmptyDict = '}', kAppends = 'e',
                         kGet = 'g', kBinGet = 'h', kInst = 'i', kLongBinGet = 'j', kList = 'l',
                         kEmptyList = ']', kObj = 'o', kPut = 'p', kBinPut = 'q', kLongBinPut = 'r',
                         kSetItem = 's', kTuple = 't', kEmptyTuple = ')', kSetItems = 'u', kBinFloat = 'G',
                         kProto = 0x80, kNewObj = 0x81, kExt1 = 0x82, kExt2 = 0x83, kExt4 = 0x84,
                         kTuple1 = 0x85, kTuple2 = 0x86, kTuple3 = 0x87, kNewTrue = 0x88, kNewFalse = 0x89,
                         kLong1 = 0x8a, kLong4 = 0x8b, kBinBytes = 'B', kShortBinBytes = 'C',
                         kShortBinUnicode = 0x8c, kBinUnicode8 = 0x8d, kBinBytes8 = 0x8e, kEmptySet = 0x8f,
                         kAddItems = 0x90, kFrozenSet = 0x91, kNewObjEx = 0x92, kStackGlobal = 0x93,
                         kMemoize = 0x94, kFrame = 0x95, kByteArray8 = 0x96, kNextBuffer = 0x97,
                         kReadonlyBuffer = 0x98;
} // namespace pickle_op

struct PickleOp
{
    uint8_t code = 0;
    uint64_t offset = 0;  // where the opcode byte is
    std::string_view arg; // raw argument: fixed-size bytes, the payload of length-prefixed data, or the
                          // text of line arguments (GLOBAL/INST: "module\nname")
};

// Reads the opcode at `pos` and advances `pos` past its argument. Unknown opcodes and arguments that
// run past the end are errors (ErrorKind::InvalidInput) naming `source` and the offset.
Result<PickleOp> readPickleOp(std::string_view data, uint64_t& pos, const std::string& source);

// Little-endian integer of 1..8 bytes (unsigned), as the fixed-size arguments store them.
uint64_t pickleUnsigned(std::string_view bytes);

// The argument of the text opcodes PUT and GET as CPython reads it (PyLong_FromString, base 10):
// surrounding ASCII whitespace, an optional '+', digits with single underscores between them. Negative
// or unparsable text, or a value above 2^63 - 1 (CPython's Py_ssize_t), gives nullopt.
std::optional<uint64_t> parsePickleDecimal(std::string_view text);

// A printable name for an opcode in messages: "REDUCE", "0xfe".
std::string pickleOpName(uint8_t code);

} // namespace mwb
