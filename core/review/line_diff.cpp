#include "review/line_diff.h"

#include <algorithm>

namespace mwb::review {

namespace {

using Kind = DiffLine::Kind;

// Beyond this many edits the trace gets large; such files are shown as replaced wholesale.
constexpr int kMaxEdits = 4000;

struct Op
{
    Kind kind;
    size_t index; // into `a` for Same/Removed, into `b` for Added
};

// Myers' greedy algorithm; keeps V[-d..d] after each round d to walk the path back.
std::vector<Op> myers(const std::vector<std::string>& a,
                      const std::vector<std::string>& b,
                      size_t a0,
                      size_t n,
                      size_t b0,
                      size_t m)
{
    const int N = int(n), M = int(m), max = N + M;
    std::vector<int> v(size_t(2 * max + 3), 0);
    const int off = max + 1;
    std::vector<std::vector<int>> trace;
    int found = -1;
    for (int d = 0; d <= std::min(max, kMaxEdits) && found < 0; ++d) {
        for (int k = -d; k <= d; k += 2) {
            int x = (k == -d || (k != d && v[size_t(off + k - 1)] < v[size_t(off + k + 1)]))
                        ? v[size_t(off + k + 1)]
                        : v[size_t(off + k - 1)] + 1;
            int y = x - k;
            while (x < N && y < M && a[a0 + size_t(x)] == b[b0 + size_t(y)]) {
                ++x;
                ++y;
            }
            v[size_t(off + k)] = x;
            if (x >= N && y >= M)
                found = d;
        }
        trace.emplace_back(v.begin() + off - d, v.begin() + off + d + 1);
    }
    std::vector<Op> ops;
    if (found < 0) { // too different: everything removed, then everything added
        for (size_t i = 0; i < n; ++i)
            ops.push_back({Kind::Removed, a0 + i});
        for (size_t j = 0; j < m; ++j)
            ops.push_back({Kind::Added, b0 + j});
        return ops;
    }
    int x = N, y = M;
    for (int d = found; d > 0; --d) {
        const std::vector<int>& prev = trace[size_t(d - 1)];
        auto vp = [&](int k) { return prev[size_t(k + d - 1)]; };
        const int k = x - y;
        const int prevK = (k == -d || (k != d && vp(k - 1) < vp(k + 1))) ? k + 1 : k - 1;
        const int prevX = vp(prevK), prevY = prevX - prevK;
        while (x > prevX && y > prevY) {
            ops.push_back({Kind::Same, a0 + size_t(--x)});
            --y;
        }
        if (x == prevX)
            ops.push_back({Kind::Added, b0 + size_t(--y)});
        else
            ops.push_back({Kind::Removed, a0 + size_t(--x)});
    }
    while (x > 0 && y > 0) {
        ops.push_back({Kind::Same, a0 + size_t(--x)});
        --y;
    }
    std::reverse(ops.begin(), ops.end());
    return ops;
}

} // namespace

std::vector<std::string> splitLines(std::string_view text)
{
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        const size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) {
            lines.emplace_back(text.substr(start));
            break;
        }
        lines.emplace_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

std::vector<DiffLine> diffLines(const std::vector<std::string>& a, const std::vector<std::string>& b)
{
    // Common head and tail need no search.
    size_t head = 0;
    while (head < a.size() && head < b.size() && a[head] == b[head])
        ++head;
    size_t tail = 0;
    while (tail < a.size() - head && tail < b.size() - head &&
           a[a.size() - 1 - tail] == b[b.size() - 1 - tail])
        ++tail;
    std::vector<Op> ops;
    for (size_t i = 0; i < head; ++i)
        ops.push_back({Kind::Same, i});
    const auto middle = myers(a, b, head, a.size() - head - tail, head, b.size() - head - tail);
    ops.insert(ops.end(), middle.begin(), middle.end());
    for (size_t i = a.size() - tail; i < a.size(); ++i)
        ops.push_back({Kind::Same, i});

    std::vector<DiffLine> out;
    int oldLine = 0, newLine = 0;
    for (const Op& op : ops) {
        DiffLine line;
        line.kind = op.kind;
        if (op.kind == Kind::Added) {
            line.text = b[op.index];
            line.newLine = ++newLine;
        } else {
            line.text = a[op.index];
            line.oldLine = ++oldLine;
            if (op.kind == Kind::Same)
                line.newLine = ++newLine;
        }
        out.push_back(std::move(line));
    }
    return out;
}

std::string unifiedDiff(std::string_view before,
                        std::string_view after,
                        const std::string& oldName,
                        const std::string& newName,
                        int context)
{
    const std::vector<DiffLine> lines = diffLines(splitLines(before), splitLines(after));
    std::vector<size_t> changes;
    for (size_t i = 0; i < lines.size(); ++i)
        if (lines[i].kind != Kind::Same)
            changes.push_back(i);
    if (changes.empty())
        return {};
    std::string out = "--- " + oldName + "\n+++ " + newName + "\n";
    const size_t ctx = size_t(std::max(context, 0));
    size_t c = 0;
    while (c < changes.size()) {
        // Extend the hunk while the next change is within 2*context unchanged lines.
        size_t last = c;
        while (last + 1 < changes.size() && changes[last + 1] - changes[last] <= 2 * ctx + 1)
            ++last;
        const size_t from = changes[c] >= ctx ? changes[c] - ctx : 0;
        const size_t to = std::min(lines.size(), changes[last] + ctx + 1);
        int oldBefore = 0, newBefore = 0, oldCount = 0, newCount = 0;
        for (size_t i = 0; i < from; ++i) {
            oldBefore += lines[i].kind != Kind::Added;
            newBefore += lines[i].kind != Kind::Removed;
        }
        std::string body;
        for (size_t i = from; i < to; ++i) {
            const DiffLine& l = lines[i];
            oldCount += l.kind != Kind::Added;
            newCount += l.kind != Kind::Removed;
            body += (l.kind == Kind::Same ? ' ' : l.kind == Kind::Added ? '+' : '-') + l.text + '\n';
        }
        auto range = [](int linesBefore, int count) {
            return std::to_string(count == 0 ? linesBefore : linesBefore + 1) + "," + std::to_string(count);
        };
        out += "@@ -" + range(oldBefore, oldCount) + " +" + range(newBefore, newCount) + " @@\n" + body;
        c = last + 1;
    }
    return out;
}

} // namespace mwb::review
