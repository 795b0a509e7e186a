#pragma once

// Line diffs for reviewing what changed in a code file since the commit the user last trusted:
// Myers' O(ND) shortest edit script over lines, printed as a unified diff (`---`/`+++` headers,
// `@@ -a,b +c,d @@` hunks with three lines of context), as `diff -u` and git print it.
// Pure functions; any thread.

#include <string>
#include <string_view>
#include <vector>

namespace mwb::review {

struct DiffLine
{
    enum class Kind
    {
        Same,
        Removed,
        Added
    };
    Kind kind = Kind::Same;
    std::string text; // without the line break
    int oldLine = 0;  // 1-based, 0 for Added
    int newLine = 0;  // 1-based, 0 for Removed
};

// Splits on '\n' ("a\nb\n" -> {"a", "b"}; a trailing "\r" is kept as part of the line).
std::vector<std::string> splitLines(std::string_view text);

// The edit script turning `before` into `after`: every line of both, in order.
std::vector<DiffLine> diffLines(const std::vector<std::string>& before,
                                const std::vector<std::string>& after);

// A unified diff; empty when the texts are equal. `context` lines around each change.
std::string unifiedDiff(std::string_view before,
                        std::string_view after,
                        const std::string& oldName,
                        const std::string& newName,
                        int context = 3);

} // namespace mwb::review
