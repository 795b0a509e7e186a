#include "review/python_scanner.h"

#include "review/python_rules.h"
#include "review/python_stdlib.h"
#include "review/python_tokenizer.h"

#include <algorithm>
#include <map>
#include <set>

namespace mwb::review {

const char* severityName(Severity severity)
{
    switch (severity) {
    case Severity::Low:
        return "low";
    case Severity::Medium:
        return "medium";
    case Severity::High:
        return "high";
    }
    return "low";
}

namespace {

struct Range
{
    size_t begin = 0, end = 0; // [begin, end) into the scanner's code tokens
};

struct CallArg
{
    std::string keyword; // empty for a positional argument
    Range value;
};

std::string joined(const std::vector<std::string>& parts, size_t from = 0)
{
    std::string out;
    for (size_t i = from; i < parts.size(); ++i)
        out += (i > from ? "." : "") + parts[i];
    return out;
}

class Scanner
{
public:
    explicit Scanner(std::string_view source)
    {
        for (Token& t : tokenizePython(source))
            if (t.kind != TokenKind::Comment)
                m_code.push_back(std::move(t));
        matchBrackets();
    }

    SourceScan run()
    {
        size_t begin = 0;
        for (size_t i = 0; i <= m_code.size(); ++i) {
            const bool end = i == m_code.size() || m_code[i].kind == TokenKind::Newline ||
                             (isOp(i, ";") && !m_code[i].embedded);
            if (!end)
                continue;
            if (i > begin)
                statement({begin, i});
            begin = i + 1;
        }
        return finish();
    }

private:
    bool isOp(size_t i, std::string_view op) const
    {
        return i < m_code.size() && m_code[i].kind == TokenKind::Op && m_code[i].text == op;
    }
    bool isName(size_t i, std::string_view name) const
    {
        return i < m_code.size() && m_code[i].kind == TokenKind::Name && m_code[i].text == name;
    }

    void statement(Range s)
    {
        if (isName(s.begin, "import"))
            importStatement(s);
        else if (isName(s.begin, "from"))
            fromImportStatement(s);
        else
            codeStatement(s);
    }

    // Reads `.`* then `Name(.Name)*` from `i`; returns the dots and the dotted name.
    std::pair<int, std::string> dottedName(size_t& i, size_t end) const
    {
        int level = 0;
        while (i < end && isOp(i, ".")) {
            ++level;
            ++i;
        }
        std::string name;
        while (i < end && m_code[i].kind == TokenKind::Name && m_code[i].text != "import") {
            name += m_code[i].text;
            ++i;
            if (i + 1 < end && isOp(i, ".") && m_code[i + 1].kind == TokenKind::Name) {
                name += '.';
                ++i;
            } else {
                break;
            }
        }
        return {level, name};
    }

    void recordImport(int line, int level, const std::string& module, std::vector<std::string> names)
    {
        ImportRecord rec;
        rec.line = line;
        rec.level = level;
        rec.module = module;
        rec.names = std::move(names);
        if (level == 0 && !module.empty()) {
            rec.topLevel = module.substr(0, module.find('.'));
            rec.standardLibrary = isStandardLibraryModule(rec.topLevel);
            if (auto rule = ruleForImport(module))
                addFinding(line, *rule, module);
            for (const std::string& n : rec.names)
                if (auto rule = ruleForImport(module + "." + n))
                    addFinding(line, *rule, module + "." + n);
        }
        m_scan.imports.push_back(std::move(rec));
    }

    // import a.b [as c], .x (not valid Python, but read as a relative import of x)
    void importStatement(Range s)
    {
        size_t i = s.begin + 1;
        while (i < s.end) {
            const int line = m_code[i].line;
            auto [level, module] = dottedName(i, s.end);
            if (module.empty() && level == 0)
                break;
            std::string alias;
            if (isName(i, "as") && i + 1 < s.end) {
                alias = m_code[i + 1].text;
                i += 2;
            }
            const std::string qualified = std::string(size_t(level), '.') + module;
            if (!alias.empty())
                m_aliases[alias] = qualified;
            else if (level == 0)
                m_aliases[module.substr(0, module.find('.'))] = module.substr(0, module.find('.'));
            recordImport(line, level, module, {});
            if (!isOp(i, ","))
                break;
            ++i;
        }
    }

    // from [.]*module import a [as b], ... | from M import (a, b) | from M import *
    void fromImportStatement(Range s)
    {
        size_t i = s.begin + 1;
        const int line = m_code[s.begin].line;
        auto [level, module] = dottedName(i, s.end);
        if (!isName(i, "import"))
            return;
        ++i;
        std::vector<std::string> names;
        const std::string base = std::string(size_t(level), '.') + module;
        for (; i < s.end; ++i) {
            const Token& t = m_code[i];
            if (t.kind == TokenKind::Op && t.text == "*") {
                names.push_back("*");
                if (level == 0)
                    m_starModules.push_back(module);
            } else if (t.kind == TokenKind::Name) {
                std::string alias = t.text;
                if (isName(i + 1, "as") && i + 2 < s.end) {
                    alias = m_code[i + 2].text;
                    i += 2;
                }
                names.push_back(t.text);
                m_aliases[alias] = base + (base.empty() || base.back() == '.' ? "" : ".") + t.text;
            }
        }
        recordImport(line, level, module, std::move(names));
    }

    std::string resolve(const std::vector<std::string>& parts) const
    {
        const std::string& first = parts.front();
        if (auto it = m_aliases.find(first); it != m_aliases.end())
            return it->second + (parts.size() > 1 ? "." + joined(parts, 1) : "");
        static const std::set<std::string> kBuiltins = {"eval", "exec", "compile", "__import__", "open"};
        if (kBuiltins.contains(first))
            return "builtins." + joined(parts);
        if (first == "__builtins__")
            return "builtins" + (parts.size() > 1 ? "." + joined(parts, 1) : "");
        for (const std::string& module : m_starModules) {
            const std::string candidate = module + "." + joined(parts);
            if (ruleForName(candidate) || candidate == "torch.load")
                return candidate;
        }
        return joined(parts);
    }

    // Once for the whole file: a rescan per call made deeply nested calls quadratic (minutes for a
    // 300 KB file). Any closing bracket closes the innermost open one, as the depth count did.
    void matchBrackets()
    {
        m_close.assign(m_code.size(), SIZE_MAX);
        std::vector<size_t> open;
        for (size_t i = 0; i < m_code.size(); ++i) {
            if (m_code[i].kind != TokenKind::Op)
                continue;
            const std::string& t = m_code[i].text;
            if (t == "(" || t == "[" || t == "{") {
                open.push_back(i);
            } else if ((t == ")" || t == "]" || t == "}") && !open.empty()) {
                m_close[open.back()] = i;
                open.pop_back();
            }
        }
    }

    // The index of the bracket closing the one at `open`, or `end` when unbalanced.
    size_t matchingClose(size_t open, size_t end) const
    {
        return open < m_close.size() && m_close[open] < end ? m_close[open] : end;
    }

    // Argument lists are split only for the few callables whose arguments matter, and within a budget
    // of tokens per file, so nesting them cannot make the scan quadratic either.
    static bool argumentsMatter(const std::string& name)
    {
        return name == "torch.load" || name == "numpy.load" || name == "builtins.exec" ||
               name == "builtins.eval" || name == "builtins.compile" || name == "builtins.open";
    }

    std::vector<CallArg> callArgs(size_t open, size_t end)
    {
        std::vector<CallArg> args;
        const size_t close = matchingClose(open, end);
        if (close - open > m_argumentBudget)
            return args;
        m_argumentBudget -= close - open;
        size_t start = open + 1;
        int depth = 0;
        for (size_t i = open + 1; i <= close && i < end + 1; ++i) {
            const bool atEnd = i == close;
            if (!atEnd && m_code[i].kind == TokenKind::Op) {
                const std::string& t = m_code[i].text;
                if (t == "(" || t == "[" || t == "{")
                    ++depth;
                else if (t == ")" || t == "]" || t == "}")
                    --depth;
            }
            if (atEnd || (depth == 0 && isOp(i, ","))) {
                if (i > start) {
                    CallArg arg{{}, {start, i}};
                    if (m_code[start].kind == TokenKind::Name && isOp(start + 1, "=") &&
                        !isOp(start + 2, "=")) {
                        arg.keyword = m_code[start].text;
                        arg.value = {start + 2, i};
                    }
                    args.push_back(arg);
                }
                start = i + 1;
            }
            if (atEnd)
                break;
        }
        return args;
    }

    // Every name chain inside a range, resolved.
    std::vector<std::string> chainsIn(Range r) const
    {
        std::vector<std::string> out;
        for (size_t i = r.begin; i < r.end; ++i) {
            if (m_code[i].kind != TokenKind::Name || (i > r.begin && isOp(i - 1, ".")))
                continue;
            size_t j = i;
            out.push_back(resolve(readChain(j, r.end)));
        }
        return out;
    }

    std::vector<std::string> readChain(size_t& i, size_t end) const
    {
        std::vector<std::string> parts{m_code[i].text};
        ++i;
        while (i + 1 < end && isOp(i, ".") && m_code[i + 1].kind == TokenKind::Name) {
            parts.push_back(m_code[i + 1].text);
            i += 2;
        }
        return parts;
    }

    const Token* firstString(Range r) const
    {
        for (size_t i = r.begin; i < r.end; ++i)
            if (m_code[i].kind == TokenKind::String)
                return &m_code[i];
        return nullptr;
    }

    bool isDocstring(Range s) const
    {
        return std::all_of(m_code.begin() + long(s.begin), m_code.begin() + long(s.end),
                           [](const Token& t) { return t.kind == TokenKind::String || t.embedded; });
    }

    void codeStatement(Range s)
    {
        const bool docstring = isDocstring(s);
        for (size_t i = s.begin; i < s.end; ++i) {
            const Token& t = m_code[i];
            if (t.kind == TokenKind::String) {
                if (!docstring && !m_consumedStrings.contains(i))
                    if (auto marker = credentialMarker(t.text))
                        addFinding(t.line, Severity::High, "credentials", "\"" + std::string(*marker) + "\"",
                                   "refers to credentials (" + std::string(*marker) + ")");
                continue;
            }
            if (t.kind != TokenKind::Name || (i > s.begin && isOp(i - 1, ".")))
                continue;
            if (i > s.begin && (isName(i - 1, "def") || isName(i - 1, "class")))
                continue;
            const bool keywordArgument = isOp(i + 1, "=") && !isOp(i + 2, "=") && i > s.begin &&
                                         (isOp(i - 1, "(") || isOp(i - 1, ","));
            if (keywordArgument)
                continue;
            size_t j = i;
            const std::string name = resolve(readChain(j, s.end));
            useOfName(name, t.line, j, s.end);
            i = j - 1;
        }
    }

    // `after` is the token following the name chain (a call's "(" or a subscript's "[", perhaps).
    void useOfName(const std::string& name, int line, size_t after, size_t end)
    {
        const bool call = isOp(after, "(");
        const std::vector<CallArg> args =
            call && argumentsMatter(name) ? callArgs(after, end) : std::vector<CallArg>{};
        auto keyword = [&](std::string_view key) -> const CallArg* {
            for (const CallArg& a : args)
                if (a.keyword == key)
                    return &a;
            return nullptr;
        };
        auto isTrue = [&](const CallArg* a) {
            return a && a->value.end > a->value.begin && isName(a->value.begin, "True");
        };

        if (name == "torch.load") {
            if (!isTrue(keyword("weights_only")))
                addFinding(
                    line, Severity::High, "deserialization", name,
                    "torch.load without weights_only=True unpickles arbitrary objects and can run code");
            return;
        }
        if (name == "numpy.load") {
            if (isTrue(keyword("allow_pickle")))
                addFinding(line, Severity::High, "deserialization", name,
                           "numpy.load with allow_pickle=True unpickles arbitrary objects");
            return;
        }
        if (call && (name == "builtins.exec" || name == "builtins.eval" || name == "builtins.compile")) {
            for (const CallArg& a : args)
                for (const std::string& inner : chainsIn(a.value))
                    if (isDecoderName(inner)) {
                        addFinding(line, Severity::High, "obfuscation",
                                   name.substr(9) + "(" + inner + "(...))",
                                   "runs code hidden in encoded data (" + inner + " feeding " +
                                       name.substr(9) + ")");
                        return;
                    }
        }
        if (name == "builtins.open") {
            if (call)
                openCall(args, line);
            return;
        }
        if (name.starts_with("os.environ") || name == "os.getenv") {
            environmentRead(name, line, after, end);
            return;
        }
        if (auto rule = ruleForName(name))
            addFinding(line, *rule, name);
    }

    void environmentRead(const std::string& name, int line, size_t after, size_t end)
    {
        if (isOp(after, "(") || isOp(after, "[")) {
            const size_t close = matchingClose(after, end);
            for (size_t k = after + 1; k < close; ++k) {
                if (m_code[k].kind != TokenKind::String)
                    continue;
                m_consumedStrings.insert(k);
                const std::string& variable = m_code[k].text;
                if (isSecretVariableName(variable))
                    addFinding(line, Severity::High, "credentials", name + "[\"" + variable + "\"]",
                               "reads the secret " + variable + " from the environment");
                else
                    addFinding(line, Severity::Medium, "environment", name,
                               "reads the environment variable " + variable);
                return;
            }
        }
        addFinding(line, Severity::Medium, "environment", name, "reads environment variables");
    }

    void openCall(const std::vector<CallArg>& args, int line)
    {
        const CallArg* path = nullptr;
        const CallArg* mode = nullptr;
        std::vector<const CallArg*> positional;
        for (const CallArg& a : args) {
            if (a.keyword.empty())
                positional.push_back(&a);
            else if (a.keyword == "file")
                path = &a;
            else if (a.keyword == "mode")
                mode = &a;
        }
        if (!path && !positional.empty())
            path = positional[0];
        if (!mode && positional.size() > 1)
            mode = positional[1];
        const Token* modeText = mode ? firstString(mode->value) : nullptr;
        const bool writes = modeText && modeText->text.find_first_of("wax+") != std::string::npos;
        if (!writes || !path)
            return;
        std::string where;
        if (const Token* p = firstString(path->value);
            p && (p->text.starts_with('/') || p->text.starts_with('~') || p->text.starts_with("..")))
            where = p->text;
        for (const std::string& chain : chainsIn(path->value))
            if (chain == "os.path.expanduser" || chain.ends_with("Path.home") ||
                chain.starts_with("os.environ") || chain == "os.getenv" || chain == "os.path.expandvars")
                where = chain;
        if (!where.empty())
            addFinding(line, Severity::High, "filesystem", "open(..., \"" + modeText->text + "\")",
                       "writes outside the working folder (" + where + ")");
    }

    void addFinding(int line, const RiskRule& rule, const std::string& construct)
    {
        addFinding(line, rule.severity, std::string(rule.category), construct, std::string(rule.reason));
    }

    void
    addFinding(int line, Severity severity, std::string category, std::string construct, std::string reason)
    {
        m_scan.findings.push_back(
            {line, severity, std::move(category), std::move(construct), std::move(reason)});
    }

    // One finding per line and category (the most severe), in line order.
    SourceScan finish()
    {
        auto& f = m_scan.findings;
        std::stable_sort(f.begin(), f.end(), [](const Finding& a, const Finding& b) {
            return std::tie(a.line, a.category) < std::tie(b.line, b.category) ||
                   (a.line == b.line && a.category == b.category && a.severity > b.severity);
        });
        f.erase(std::unique(f.begin(), f.end(),
                            [](const Finding& a, const Finding& b) {
                                return a.line == b.line && a.category == b.category;
                            }),
                f.end());
        return std::move(m_scan);
    }

    std::vector<Token> m_code; // tokens without comments
    std::map<std::string, std::string> m_aliases;
    std::vector<std::string> m_starModules;
    std::set<size_t> m_consumedStrings;
    std::vector<size_t> m_close;         // for each opening bracket, its closing one (SIZE_MAX: none)
    size_t m_argumentBudget = 4'000'000; // tokens callArgs may visit in one file
    SourceScan m_scan;
};

} // namespace

std::vector<std::string> SourceScan::thirdPartyPackages() const
{
    std::set<std::string> out;
    for (const ImportRecord& r : imports)
        if (!r.isRelative() && !r.standardLibrary && !r.topLevel.empty())
            out.insert(r.topLevel);
    return {out.begin(), out.end()};
}

std::vector<std::string> SourceScan::standardLibraryModules() const
{
    std::set<std::string> out;
    for (const ImportRecord& r : imports)
        if (r.standardLibrary)
            out.insert(r.topLevel);
    return {out.begin(), out.end()};
}

Severity SourceScan::worstSeverity() const
{
    Severity worst = Severity::Low;
    for (const Finding& f : findings)
        worst = std::max(worst, f.severity);
    return worst;
}

SourceScan scanPythonSource(std::string_view source)
{
    return Scanner(source).run();
}

} // namespace mwb::review
