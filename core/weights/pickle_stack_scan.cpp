// scanPickle: the globals a pickle imports, found by modelling the unpickler's stacks and memo
// exactly as CPython's _pickle (which torch.load uses) and pickletools do, without building objects.

#include "weights/pickle_opcodes.h"
#include "weights/pickle_scanner.h"

#include <map>
#include <set>

namespace mwb {

namespace {

using namespace pickle_op;

// A stack slot: the text of a str, or no data() for anything else (numbers, containers, results).
using Slot = std::string_view;
constexpr Slot kOther{};

bool isKnownText(Slot slot)
{
    return slot.data() != nullptr;
}

// STRING's argument is a Python repr ('text' or "text"); escapes are left unknown.
Slot quotedText(std::string_view arg)
{
    if (arg.size() >= 2 && (arg.front() == '\'' || arg.front() == '"') && arg.back() == arg.front() &&
        arg.find('\\') == std::string_view::npos)
        return arg.substr(1, arg.size() - 2);
    return kOther;
}

class StackModel
{
public:
    StackModel(std::string_view data, const std::string& source) : m_data(data), m_source(source) {}

    PickleScan run(uint64_t start)
    {
        PickleScan scan;
        for (uint64_t pos = start;;) {
            auto op = readPickleOp(m_data, pos, m_source);
            if (!op) {
                scan.error = op.error();
                break;
            }
            if (op->code == kStop) {
                if (m_stack.size() <= fence())
                    scan.error = malformed(*op, "STOP with an empty stack");
                scan.end = pos;
                break;
            }
            if (auto ok = step(*op); !ok) {
                scan.error = ok.error();
                break;
            }
        }
        scan.globals = std::move(m_globals);
        return scan;
    }

private:
    Error malformed(const PickleOp& op, const std::string& what) const
    {
        return {ErrorKind::InvalidInput, m_source + ": malformed pickle at byte " +
                                             std::to_string(op.offset) + " (" + pickleOpName(op.code) +
                                             "): " + what};
    }

    size_t fence() const { return m_marks.empty() ? 0 : m_marks.back(); }

    Result<void> need(const PickleOp& op, size_t count) const
    {
        if (m_stack.size() < fence() + count)
            return std::unexpected(malformed(op, "stack underflow"));
        return {};
    }

    Result<void> push(const PickleOp& op, Slot slot)
    {
        if (m_stack.size() + m_marks.size() >= limits::kPickleObjects.value)
            return std::unexpected(malformed(op, exceedsLimit(limits::kPickleObjects, m_stack.size() + 1)));
        m_stack.push_back(slot);
        return {};
    }

    Result<void> popThenPush(const PickleOp& op, size_t count, bool pushesResult = true)
    {
        if (auto ok = need(op, count); !ok)
            return ok;
        m_stack.resize(m_stack.size() - count);
        return pushesResult ? push(op, kOther) : Result<void>{};
    }

    Result<void> popMark(const PickleOp& op, bool pushesResult)
    {
        if (m_marks.empty())
            return std::unexpected(malformed(op, "no MARK"));
        m_stack.resize(m_marks.back());
        m_marks.pop_back();
        return pushesResult ? push(op, kOther) : Result<void>{};
    }

    void addGlobal(std::string module, std::string name)
    {
        if (m_seen.emplace(module, name).second) {
            const PickleVerdict verdict = classifyPickleGlobal(module, name);
            m_globals.push_back({std::move(module), std::move(name), verdict});
        }
    }

    Result<void> memoPut(const PickleOp& op, std::optional<uint64_t> index)
    {
        if (!index)
            return std::unexpected(malformed(op, "memo index is not a non-negative integer"));
        if (m_stack.size() <= fence())
            return std::unexpected(malformed(op, "memoizing an empty stack"));
        if (m_memo.size() >= limits::kPickleMemoEntries.value && !m_memo.contains(*index))
            return std::unexpected(
                malformed(op, exceedsLimit(limits::kPickleMemoEntries, m_memo.size() + 1)));
        m_memo[*index] = m_stack.back(); // an existing entry is replaced, as the unpickler does
        return {};
    }

    Result<void> memoGet(const PickleOp& op, std::optional<uint64_t> index)
    {
        const auto it = index ? m_memo.find(*index) : m_memo.end();
        if (it == m_memo.end())
            return std::unexpected(malformed(op, "memo entry was never stored"));
        return push(op, it->second);
    }

    Result<void> step(const PickleOp& op);

    std::string_view m_data;
    const std::string& m_source;
    std::vector<Slot> m_stack;
    std::vector<size_t> m_marks; // stack sizes at each MARK (CPython's mark stack)
    std::map<uint64_t, Slot> m_memo;
    std::vector<PickleGlobal> m_globals;
    std::set<std::pair<std::string, std::string>> m_seen;
};

Result<void> StackModel::step(const PickleOp& op)
{
    switch (op.code) {
    case kProto:
    case kFrame:
    case kReadonlyBuffer:
        return {};
    case kMark:
        if (m_stack.size() + m_marks.size() >= limits::kPickleObjects.value)
            return std::unexpected(malformed(op, exceedsLimit(limits::kPickleObjects, m_stack.size() + 1)));
        m_marks.push_back(m_stack.size());
        return {};
    case kPop:
        // CPython: when the top of the mark stack is the stack's size, POP removes the mark.
        if (!m_marks.empty() && m_marks.back() == m_stack.size()) {
            m_marks.pop_back();
            return {};
        }
        return popThenPush(op, 1, false);
    case kPopMark:
        return popMark(op, false);
    case kDup:
        if (auto ok = need(op, 1); !ok)
            return ok;
        return push(op, m_stack.back());
    case kShortBinUnicode:
    case kBinUnicode:
    case kBinUnicode8:
    case kShortBinString: // torch.load decodes protocol-2 strings as str (encoding="utf-8")
    case kBinString:
        return push(op, op.arg);
    case kUnicode: // raw-unicode-escape: text without backslashes is itself
        return push(op, op.arg.find('\\') == std::string_view::npos ? op.arg : kOther);
    case kString:
        return push(op, quotedText(op.arg));
    case kInt:
    case kBinInt:
    case kBinInt1:
    case kBinInt2:
    case kLong:
    case kLong1:
    case kLong4:
    case kFloat:
    case kBinFloat:
    case kNone:
    case kNewTrue:
    case kNewFalse:
    case kEmptyTuple:
    case kEmptyList:
    case kEmptyDict:
    case kEmptySet:
    case kBinBytes:
    case kShortBinBytes:
    case kBinBytes8:
    case kByteArray8:
    case kNextBuffer:
    case kPersId:
        return push(op, kOther);
    case kTuple1:
    case kTuple2:
    case kTuple3:
        return popThenPush(op, size_t(op.code - kTuple1 + 1));
    case kTuple:
    case kList:
    case kDict:
    case kFrozenSet:
        return popMark(op, true);
    case kAppend: // the list (or object) stays below
    case kBuild:
        if (auto ok = need(op, 2); !ok)
            return ok;
        return popThenPush(op, 1, false);
    case kSetItem:
        if (auto ok = need(op, 3); !ok)
            return ok;
        return popThenPush(op, 2, false);
    case kAppends:
    case kSetItems:
    case kAddItems:
        return popMark(op, false);
    case kBinPersId:
        return popThenPush(op, 1);
    case kReduce:
    case kNewObj:
        return popThenPush(op, 2);
    case kNewObjEx:
        return popThenPush(op, 3);
    case kObj: // MARK class args... OBJ
        if (m_marks.empty() || m_stack.size() <= m_marks.back())
            return std::unexpected(malformed(op, "OBJ without a class after MARK"));
        return popMark(op, true);
    case kGlobal:
    case kInst: {
        const size_t split = op.arg.find('\n');
        addGlobal(std::string(op.arg.substr(0, split)), std::string(op.arg.substr(split + 1)));
        return op.code == kGlobal ? push(op, kOther) : popMark(op, true);
    }
    case kStackGlobal: {
        if (auto ok = need(op, 2); !ok)
            return ok;
        const Slot name = m_stack.back(), module = m_stack[m_stack.size() - 2];
        // CPython refuses non-str operands; a "?" global is never safe either way.
        addGlobal(isKnownText(module) ? std::string(module) : "?",
                  isKnownText(name) ? std::string(name) : "?");
        return popThenPush(op, 2);
    }
    case kExt1:
    case kExt2:
    case kExt4:
        addGlobal("copyreg", "<extension " + std::to_string(pickleUnsigned(op.arg)) + ">");
        return push(op, kOther);
    case kPut:
        return memoPut(op, parsePickleDecimal(op.arg));
    case kBinPut:
    case kLongBinPut:
        return memoPut(op, pickleUnsigned(op.arg));
    case kMemoize:
        return memoPut(op, m_memo.size());
    case kGet:
        return memoGet(op, parsePickleDecimal(op.arg));
    case kBinGet:
    case kLongBinGet:
        return memoGet(op, pickleUnsigned(op.arg));
    default:
        return std::unexpected(malformed(op, "opcode has no known stack effect"));
    }
}

} // namespace

PickleScan scanPickle(std::string_view data, uint64_t start, const std::string& source)
{
    return StackModel(data, source).run(start);
}

} // namespace mwb
