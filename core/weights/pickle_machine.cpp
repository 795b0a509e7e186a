#include "weights/pickle_machine.h"

#include "input_limits.h"
#include "weights/pickle_opcodes.h"
#include "weights/pickle_scanner.h"

#include <charconv>
#include <cstring>
#include <unordered_map>

namespace mwb {

namespace {

using namespace pickle_op;
using Kind = PickleValue::Kind;

PickleRef makeValue(Kind kind)
{
    auto value = std::make_shared<PickleValue>();
    value->kind = kind;
    return value;
}

PickleRef makeInt(int64_t integer, Kind kind = Kind::Int)
{
    PickleRef value = makeValue(kind);
    value->integer = integer;
    return value;
}

PickleRef makeText(std::string_view text, Kind kind = Kind::Text)
{
    PickleRef value = makeValue(kind);
    value->text = std::string(text);
    return value;
}

PickleRef makeSequence(Kind kind, std::vector<PickleRef> items)
{
    PickleRef value = makeValue(kind);
    value->items = std::move(items);
    return value;
}

class Machine
{
public:
    Machine(std::string_view data, const std::string& source) : m_data(data), m_source(source) {}

    Result<UnpickleResult> run(uint64_t start)
    {
        auto result = runOpcodes(start);
        // A list appended to itself (through the memo) is a reference cycle that shared_ptr never
        // frees; a state_dict never has one. Break them all (so everything is freed) and refuse.
        if (breakCycles() && result)
            return fail(ErrorKind::InvalidInput,
                        m_source + ": malformed pickle: a container holds itself (a reference cycle)");
        return result;
    }

private:
    Result<UnpickleResult> runOpcodes(uint64_t start)
    {
        for (uint64_t pos = start;;) {
            auto op = readPickleOp(m_data, pos, m_source);
            if (!op)
                return std::unexpected(op.error());
            if (op->code == kStop) {
                if (m_stack.empty())
                    return malformed(*op, "STOP with an empty stack");
                return UnpickleResult{m_stack.back(), pos};
            }
            // Every opcode creates at most one object: counting opcodes bounds the objects in all
            // (a pickle of NONE/EMPTY_* opcodes once made one object per byte, without end).
            if (++m_objects > limits::kPickleObjects.value)
                return malformed(*op, exceedsLimit(limits::kPickleObjects, m_objects));
            if (auto ok = step(*op); !ok)
                return std::unexpected(ok.error());
        }
    }

    // Only APPEND(S) and SETITEM(S) mutate a container that already exists, so every cycle runs
    // through one of the containers they mutated: one depth-first search from those finds any cycle,
    // and emptying them breaks all cycles.
    bool breakCycles()
    {
        std::unordered_map<const PickleValue*, char> state; // 1 on the path, 2 done
        bool cycle = false;
        for (const std::weak_ptr<PickleValue>& weak : m_mutated) {
            const PickleRef start = weak.lock();
            if (!start || state.contains(start.get()) || cycle)
                continue;
            std::vector<std::pair<const PickleValue*, size_t>> path{{start.get(), 0}};
            state[start.get()] = 1;
            while (!path.empty() && !cycle) {
                auto& [node, next] = path.back();
                const size_t children = node->items.size() + 2 * node->entries.size();
                if (next == children) {
                    state[node] = 2;
                    path.pop_back();
                    continue;
                }
                const size_t i = next++;
                const PickleValue* child =
                    i < node->items.size() ? node->items[i].get()
                                           : ((i - node->items.size()) % 2 == 0
                                                  ? node->entries[(i - node->items.size()) / 2].first.get()
                                                  : node->entries[(i - node->items.size()) / 2].second.get());
                if (!child)
                    continue;
                const auto seen = state.find(child);
                if (seen == state.end()) {
                    state[child] = 1;
                    path.emplace_back(child, 0);
                } else if (seen->second == 1) {
                    cycle = true;
                }
            }
        }
        if (cycle)
            for (const std::weak_ptr<PickleValue>& weak : m_mutated)
                if (const PickleRef value = weak.lock()) {
                    value->items.clear();
                    value->entries.clear();
                }
        return cycle;
    }

    std::unexpected<Error> malformed(const PickleOp& op, const std::string& what) const
    {
        return fail(ErrorKind::InvalidInput, m_source + ": malformed pickle at byte " +
                                                 std::to_string(op.offset) + " (" + pickleOpName(op.code) +
                                                 "): " + what);
    }

    std::unexpected<Error> refused(const std::string& what) const
    {
        return fail(ErrorKind::Unsafe,
                    m_source + ": " + what +
                        "; refused for safety (nothing was executed). A tensor checkpoint "
                        "only needs OrderedDict, tensor rebuild functions and storage types");
    }

    Result<PickleRef> pop(const PickleOp& op)
    {
        if (m_stack.size() <= (m_marks.empty() ? 0 : m_marks.back()))
            return malformed(op, "stack underflow");
        PickleRef value = std::move(m_stack.back());
        m_stack.pop_back();
        return value;
    }

    Result<std::vector<PickleRef>> popToMark(const PickleOp& op)
    {
        if (m_marks.empty())
            return malformed(op, "no MARK");
        const size_t mark = m_marks.back();
        m_marks.pop_back();
        std::vector<PickleRef> items(std::make_move_iterator(m_stack.begin() + long(mark)),
                                     std::make_move_iterator(m_stack.end()));
        m_stack.resize(mark);
        return items;
    }

    Result<void> pushGlobal(const PickleOp& op, std::string_view module, std::string_view name)
    {
        const std::string qualified = std::string(module) + "." + std::string(name);
        if (classifyPickleGlobal(module, name) != PickleVerdict::Safe)
            return refused("pickle imports " + qualified + " (" +
                           verdictName(classifyPickleGlobal(module, name)) + ")");
        (void)op;
        m_stack.push_back(makeText(qualified, Kind::Global));
        return {};
    }

    // REDUCE and NEWOBJ: only allowlisted globals can be called, and "calling" one only records it.
    Result<void> call(const PickleOp& op)
    {
        auto args = pop(op);
        auto callable = args ? pop(op) : args;
        if (!callable)
            return std::unexpected(callable.error());
        if ((*callable)->kind != Kind::Global)
            return refused(pickleOpName(op.code) + " at byte " + std::to_string(op.offset) + " calls " +
                           describePickleValue(**callable) + ", which is not an allowlisted global");
        if ((*args)->kind != Kind::Tuple)
            return malformed(op, "arguments are not a tuple");
        if ((*callable)->text == "collections.OrderedDict") {
            if (!(*args)->items.empty())
                return malformed(op, "OrderedDict built from arguments is not supported");
            m_stack.push_back(makeValue(Kind::Dict));
            return {};
        }
        m_stack.push_back(makeSequence(Kind::Call, {*callable, *args}));
        return {};
    }

    Result<void> build(const PickleOp& op)
    {
        auto state = pop(op);
        if (!state)
            return std::unexpected(state.error());
        if (m_stack.empty())
            return malformed(op, "stack underflow");
        const PickleValue& target = *m_stack.back();
        if (target.kind == Kind::Dict)
            return {}; // an OrderedDict's attributes (a state_dict's `_metadata`): not weights
        return refused("BUILD at byte " + std::to_string(op.offset) + " sets the state of " +
                       describePickleValue(target) + ", which is not allowed");
    }

    Result<void> setItems(const PickleOp& op, std::vector<PickleRef> items)
    {
        if (items.size() % 2 != 0)
            return malformed(op, "odd number of items for a dict");
        if (m_stack.empty() || m_stack.back()->kind != Kind::Dict)
            return malformed(op, "items set on something that is not a dict");
        for (size_t i = 0; i < items.size(); i += 2)
            m_stack.back()->entries.emplace_back(items[i], items[i + 1]);
        noteMutated(m_stack.back());
        return {};
    }

    Result<void> appendItems(const PickleOp& op, std::vector<PickleRef> items)
    {
        if (m_stack.empty() || m_stack.back()->kind != Kind::List)
            return malformed(op, "items appended to something that is not a list");
        auto& list = m_stack.back()->items;
        list.insert(list.end(), items.begin(), items.end());
        noteMutated(m_stack.back());
        return {};
    }

    void noteMutated(const PickleRef& container)
    {
        if (m_mutated.empty() || m_mutated.back().lock() != container)
            m_mutated.push_back(container);
    }

    Result<void> memoize(const PickleOp& op, std::optional<uint64_t> index)
    {
        if (!index)
            return malformed(op, "memo index is not a non-negative integer");
        if (m_stack.size() <= (m_marks.empty() ? 0 : m_marks.back()))
            return malformed(op, "memoizing an empty stack");
        if (m_memo.size() >= limits::kPickleMemoEntries.value && !m_memo.contains(*index))
            return malformed(op, exceedsLimit(limits::kPickleMemoEntries, m_memo.size() + 1));
        m_memo[*index] = m_stack.back();
        return {};
    }

    Result<void> recall(const PickleOp& op, std::optional<uint64_t> index)
    {
        const auto it = index ? m_memo.find(*index) : m_memo.end();
        if (it == m_memo.end())
            return malformed(op, "memo entry " + (index ? std::to_string(*index) : std::string("?")) +
                                     " was never stored");
        m_stack.push_back(it->second);
        return {};
    }

    Result<void> pushSignedLong(const PickleOp& op)
    {
        if (op.arg.size() > 8) {
            m_stack.push_back(makeText(op.arg, Kind::BigInt));
            return {};
        }
        uint64_t value = pickleUnsigned(op.arg);
        if (!op.arg.empty() && (uint8_t(op.arg.back()) & 0x80) && op.arg.size() < 8)
            value |= ~uint64_t(0) << (8 * op.arg.size()); // sign-extend
        m_stack.push_back(makeInt(int64_t(value)));
        return {};
    }

    Result<void> pushTextInt(const PickleOp& op)
    {
        if (op.arg == "00" || op.arg == "01") {
            m_stack.push_back(makeInt(op.arg == "01", Kind::Bool));
            return {};
        }
        int64_t value = 0;
        const auto [end, error] = std::from_chars(op.arg.data(), op.arg.data() + op.arg.size(), value);
        if (error != std::errc() || end != op.arg.data() + op.arg.size())
            return malformed(op, "bad integer");
        m_stack.push_back(makeInt(value));
        return {};
    }

    Result<void> pushTuple(const PickleOp& op, size_t count)
    {
        if (m_stack.size() < count + (m_marks.empty() ? 0 : m_marks.back()))
            return malformed(op, "stack underflow");
        std::vector<PickleRef> items(m_stack.end() - long(count), m_stack.end());
        m_stack.resize(m_stack.size() - count);
        m_stack.push_back(makeSequence(Kind::Tuple, std::move(items)));
        return {};
    }

    Result<void> step(const PickleOp& op);

    std::string_view m_data;
    const std::string& m_source;
    std::vector<PickleRef> m_stack;
    std::vector<size_t> m_marks;
    std::unordered_map<uint64_t, PickleRef> m_memo;
    uint64_t m_objects = 0;
    std::vector<std::weak_ptr<PickleValue>> m_mutated; // containers APPEND/SETITEM changed, in order
};

Result<void> Machine::step(const PickleOp& op)
{
    auto withPopped = [&](auto&& use) -> Result<void> {
        auto value = pop(op);
        if (!value)
            return std::unexpected(value.error());
        return use(std::move(*value));
    };
    auto withMarked = [&](auto&& use) -> Result<void> {
        auto items = popToMark(op);
        if (!items)
            return std::unexpected(items.error());
        return use(std::move(*items));
    };
    switch (op.code) {
    case kProto:
    case kFrame:
        return {};
    case kMark:
        m_marks.push_back(m_stack.size());
        return {};
    case kPop:
        // As CPython: when the top mark is the stack's size, POP removes the mark.
        if (!m_marks.empty() && m_marks.back() == m_stack.size()) {
            m_marks.pop_back();
            return {};
        }
        return withPopped([](PickleRef) -> Result<void> { return {}; });
    case kPopMark:
        return withMarked([](std::vector<PickleRef>) -> Result<void> { return {}; });
    case kDup:
        if (m_stack.size() <= (m_marks.empty() ? 0 : m_marks.back()))
            return malformed(op, "stack underflow");
        m_stack.push_back(m_stack.back());
        return {};
    case kNone:
        m_stack.push_back(makeValue(Kind::None));
        return {};
    case kNewTrue:
    case kNewFalse:
        m_stack.push_back(makeInt(op.code == kNewTrue, Kind::Bool));
        return {};
    case kBinInt:
        m_stack.push_back(makeInt(int32_t(uint32_t(pickleUnsigned(op.arg)))));
        return {};
    case kBinInt1:
    case kBinInt2:
        m_stack.push_back(makeInt(int64_t(pickleUnsigned(op.arg))));
        return {};
    case kLong1:
    case kLong4:
        return pushSignedLong(op);
    case kInt:
        return pushTextInt(op);
    case kBinFloat: {
        // Big-endian IEEE double.
        uint64_t bits = 0;
        for (char c : op.arg)
            bits = (bits << 8) | uint8_t(c);
        PickleRef value = makeValue(Kind::Float);
        std::memcpy(&value->real, &bits, sizeof bits);
        m_stack.push_back(value);
        return {};
    }
    case kBinUnicode:
    case kShortBinUnicode:
    case kBinUnicode8:
    case kBinString:
    case kShortBinString:
        m_stack.push_back(makeText(op.arg));
        return {};
    case kBinBytes:
    case kShortBinBytes:
    case kBinBytes8:
        m_stack.push_back(makeText(op.arg, Kind::Bytes));
        return {};
    case kEmptyTuple:
        m_stack.push_back(makeValue(Kind::Tuple));
        return {};
    case kTuple1:
    case kTuple2:
    case kTuple3:
        return pushTuple(op, size_t(op.code - kTuple1 + 1));
    case kTuple:
        return withMarked([&](std::vector<PickleRef> items) -> Result<void> {
            m_stack.push_back(makeSequence(Kind::Tuple, std::move(items)));
            return {};
        });
    case kEmptyList:
        m_stack.push_back(makeValue(Kind::List));
        return {};
    case kList:
        return withMarked([&](std::vector<PickleRef> items) -> Result<void> {
            m_stack.push_back(makeSequence(Kind::List, std::move(items)));
            return {};
        });
    case kAppend:
        return withPopped([&](PickleRef item) { return appendItems(op, {item}); });
    case kAppends:
        return withMarked([&](std::vector<PickleRef> items) { return appendItems(op, std::move(items)); });
    case kEmptyDict:
        m_stack.push_back(makeValue(Kind::Dict));
        return {};
    case kDict:
        return withMarked([&](std::vector<PickleRef> items) {
            m_stack.push_back(makeValue(Kind::Dict));
            return setItems(op, std::move(items));
        });
    case kSetItem: {
        auto value = pop(op);
        auto key = value ? pop(op) : value;
        if (!key)
            return std::unexpected(key.error());
        return setItems(op, {*key, *value});
    }
    case kSetItems:
        return withMarked([&](std::vector<PickleRef> items) { return setItems(op, std::move(items)); });
    case kGlobal:
    case kInst: {
        const size_t split = op.arg.find('\n');
        if (auto ok = pushGlobal(op, op.arg.substr(0, split), op.arg.substr(split + 1));
            !ok || op.code == kGlobal)
            return ok;
        return refused("INST at byte " + std::to_string(op.offset) + " instantiates a class");
    }
    case kStackGlobal: {
        auto name = pop(op);
        auto module = name ? pop(op) : name;
        if (!module)
            return std::unexpected(module.error());
        if ((*module)->kind != Kind::Text || (*name)->kind != Kind::Text)
            return malformed(op, "STACK_GLOBAL operands are not strings");
        return pushGlobal(op, (*module)->text, (*name)->text);
    }
    case kReduce:
    case kNewObj:
        return call(op);
    case kBuild:
        return build(op);
    case kBinPersId:
        return withPopped([&](PickleRef id) -> Result<void> {
            m_stack.push_back(makeSequence(Kind::PersistentId, {std::move(id)}));
            return {};
        });
    case kPut:
        return memoize(op, parsePickleDecimal(op.arg));
    case kBinPut:
    case kLongBinPut:
        return memoize(op, pickleUnsigned(op.arg));
    case kMemoize:
        return memoize(op, m_memo.size());
    case kGet:
        return recall(op, parsePickleDecimal(op.arg));
    case kBinGet:
    case kLongBinGet:
        return recall(op, pickleUnsigned(op.arg));
    case kExt1:
    case kExt2:
    case kExt4:
        return refused("pickle imports an object from the copyreg extension registry");
    case kObj:
    case kNewObjEx:
        return refused(pickleOpName(op.code) + " at byte " + std::to_string(op.offset) +
                       " instantiates a class");
    default:
        return malformed(op, "opcode not supported in a weight file");
    }
}

} // namespace

Result<UnpickleResult> unpickleRestricted(std::string_view data, const std::string& source, uint64_t start)
{
    return Machine(data, source).run(start);
}

PickleValue::~PickleValue()
{
    std::vector<PickleRef> pending;
    auto adoptChildren = [&pending](PickleValue& value) {
        for (PickleRef& item : value.items)
            pending.push_back(std::move(item));
        for (auto& [key, item] : value.entries) {
            pending.push_back(std::move(key));
            pending.push_back(std::move(item));
        }
        value.items.clear();
        value.entries.clear();
    };
    adoptChildren(*this);
    while (!pending.empty()) {
        PickleRef next = std::move(pending.back());
        pending.pop_back();
        if (next && next.use_count() == 1)
            adoptChildren(*next); // `next` then dies here without children
    }
}

std::string describePickleValue(const PickleValue& value)
{
    switch (value.kind) {
    case Kind::None:
        return "None";
    case Kind::Bool:
        return "a bool";
    case Kind::Int:
    case Kind::BigInt:
        return "an integer";
    case Kind::Float:
        return "a float";
    case Kind::Text:
        return "a string";
    case Kind::Bytes:
        return "bytes";
    case Kind::Tuple:
        return "a tuple";
    case Kind::List:
        return "a list";
    case Kind::Dict:
        return "a dict";
    case Kind::Global:
        return value.text;
    case Kind::Call:
        return value.items[0]->text + "(...)";
    case Kind::PersistentId:
        return "a persistent id";
    }
    return "a value";
}

} // namespace mwb
