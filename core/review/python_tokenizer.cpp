#include "review/python_tokenizer.h"

#include <algorithm>
#include <cctype>

namespace mwb::review {

namespace {

bool isNameStart(unsigned char c)
{
    return std::isalpha(c) || c == '_' || c >= 0x80;
}
bool isNameChar(unsigned char c)
{
    return std::isalnum(c) || c == '_' || c >= 0x80;
}

bool isStringPrefix(std::string_view word)
{
    std::string lower(word);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    static constexpr std::string_view kPrefixes[] = {"r", "u", "b", "f", "br", "rb", "fr", "rf"};
    return std::find(std::begin(kPrefixes), std::end(kPrefixes), lower) != std::end(kPrefixes);
}

class Tokenizer
{
public:
    explicit Tokenizer(std::string_view source) : m_src(source) {}

    std::vector<Token> run()
    {
        while (m_pos < m_src.size())
            step();
        if (m_lineHasTokens)
            pushNewline();
        return std::move(m_tokens);
    }

private:
    char at(size_t pos) const { return pos < m_src.size() ? m_src[pos] : '\0'; }
    int column() const { return int(m_pos - m_lineStart); }

    void newLineAt(size_t newlinePos)
    {
        ++m_line;
        m_lineStart = newlinePos + 1;
    }

    void push(TokenKind kind, std::string text, int line, int col)
    {
        Token t;
        t.kind = kind;
        t.text = std::move(text);
        t.line = line;
        t.column = col;
        t.endLine = m_line;
        t.endColumn = column();
        m_tokens.push_back(std::move(t));
        if (kind != TokenKind::Comment)
            m_lineHasTokens = true;
    }

    void pushNewline()
    {
        Token t;
        t.kind = TokenKind::Newline;
        t.line = t.endLine = m_line;
        t.column = t.endColumn = column();
        m_tokens.push_back(t);
        m_lineHasTokens = false;
    }

    void step()
    {
        const unsigned char c = static_cast<unsigned char>(m_src[m_pos]);
        if (c == '\n') {
            if (m_depth == 0 && m_lineHasTokens)
                pushNewline();
            newLineAt(m_pos);
            ++m_pos;
        } else if (c == '\\' && (at(m_pos + 1) == '\n' || (at(m_pos + 1) == '\r' && at(m_pos + 2) == '\n'))) {
            m_pos += at(m_pos + 1) == '\r' ? 2 : 1; // explicit line continuation: the line goes on
            newLineAt(m_pos);
            ++m_pos;
        } else if (c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\v') {
            ++m_pos;
        } else if (c == '#') {
            readComment();
        } else if (c == '"' || c == '\'') {
            readString("", m_line, column());
        } else if (isNameStart(c)) {
            readNameOrPrefixedString();
        } else if (std::isdigit(c) || (c == '.' && std::isdigit(static_cast<unsigned char>(at(m_pos + 1))))) {
            readNumber();
        } else {
            readOp(static_cast<char>(c));
        }
    }

    void readComment()
    {
        const int line = m_line, col = column();
        const size_t end = std::min(m_src.find('\n', m_pos), m_src.size());
        std::string text(m_src.substr(m_pos + 1, end - m_pos - 1));
        m_pos = end;
        push(TokenKind::Comment, std::move(text), line, col);
    }

    void readNameOrPrefixedString()
    {
        const int line = m_line, col = column();
        const size_t start = m_pos;
        while (m_pos < m_src.size() && isNameChar(static_cast<unsigned char>(m_src[m_pos])))
            ++m_pos;
        const std::string_view word = m_src.substr(start, m_pos - start);
        const char next = at(m_pos);
        if ((next == '"' || next == '\'') && isStringPrefix(word)) {
            std::string prefix(word);
            std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                           [](unsigned char ch) { return std::tolower(ch); });
            readString(prefix, line, col);
            return;
        }
        push(TokenKind::Name, std::string(word), line, col);
    }

    void readNumber()
    {
        const int line = m_line, col = column();
        const size_t start = m_pos;
        const bool hex = at(m_pos) == '0' && (at(m_pos + 1) == 'x' || at(m_pos + 1) == 'X');
        while (m_pos < m_src.size()) {
            const unsigned char ch = static_cast<unsigned char>(m_src[m_pos]);
            const char prev = m_pos > start ? m_src[m_pos - 1] : '\0';
            const bool exponentSign = (ch == '+' || ch == '-') && !hex && (prev == 'e' || prev == 'E');
            if (!(std::isalnum(ch) || ch == '_' || ch == '.' || exponentSign))
                break;
            ++m_pos;
        }
        push(TokenKind::Number, std::string(m_src.substr(start, m_pos - start)), line, col);
    }

    void readOp(char c)
    {
        const int line = m_line, col = column();
        ++m_pos;
        if (c == '(' || c == '[' || c == '{')
            ++m_depth;
        else if ((c == ')' || c == ']' || c == '}') && m_depth > 0)
            --m_depth;
        push(TokenKind::Op, std::string(1, c), line, col);
    }

    // m_pos is at the opening quote.
    void readString(const std::string& prefix, int line, int col)
    {
        const char quote = m_src[m_pos];
        const bool triple = at(m_pos + 1) == quote && at(m_pos + 2) == quote;
        m_pos += triple ? 3 : 1;
        const size_t bodyStart = m_pos;
        const int bodyLine = m_line, bodyCol = column();
        size_t bodyEnd = m_src.size();
        while (m_pos < m_src.size()) {
            const char ch = m_src[m_pos];
            if (ch == '\\' && m_pos + 1 < m_src.size()) {
                if (m_src[m_pos + 1] == '\n')
                    newLineAt(m_pos + 1);
                m_pos += 2;
                continue;
            }
            if (ch == '\n') {
                if (!triple) { // unterminated single-quoted string: it ends with the line
                    bodyEnd = m_pos;
                    break;
                }
                newLineAt(m_pos);
            }
            if (ch == quote && (!triple || (at(m_pos + 1) == quote && at(m_pos + 2) == quote))) {
                bodyEnd = m_pos;
                m_pos += triple ? 3 : 1;
                break;
            }
            ++m_pos;
        }
        bodyEnd = std::min(bodyEnd, m_src.size());
        push(TokenKind::String, std::string(m_src.substr(bodyStart, bodyEnd - bodyStart)), line, col);
        m_tokens.back().prefix = prefix;
        if (prefix.find('f') != std::string::npos)
            addFStringFields(m_src.substr(bodyStart, bodyEnd - bodyStart), bodyLine, bodyCol);
    }

    // The {fields} of an f-string body are expressions; tokenize them so calls inside are seen.
    void addFStringFields(std::string_view body, int bodyLine, int bodyCol)
    {
        size_t i = 0;
        while (i < body.size()) {
            if (body[i] == '{' && i + 1 < body.size() && body[i + 1] == '{') {
                i += 2;
                continue;
            }
            if (body[i] != '{') {
                ++i;
                continue;
            }
            const size_t exprStart = i + 1;
            size_t j = exprStart;
            int depth = 0;
            char inQuote = '\0';
            for (; j < body.size(); ++j) {
                const char ch = body[j];
                if (inQuote) {
                    if (ch == inQuote)
                        inQuote = '\0';
                } else if (ch == '\'' || ch == '"') {
                    inQuote = ch;
                } else if (ch == '(' || ch == '[' || ch == '{') {
                    ++depth;
                } else if (ch == ')' || ch == ']' || (ch == '}' && depth > 0)) {
                    --depth;
                } else if (depth == 0 && (ch == '}' || ch == ':' || (ch == '!' && at2(body, j + 1) != '='))) {
                    break;
                }
            }
            addEmbedded(body.substr(exprStart, j - exprStart), body.substr(0, exprStart), bodyLine, bodyCol);
            // Skip the rest of the field (conversion, format spec) up to its closing brace.
            int nesting = 0;
            for (; j < body.size(); ++j) {
                if (body[j] == '{')
                    ++nesting;
                else if (body[j] == '}' && nesting-- == 0)
                    break;
            }
            i = j + 1;
        }
    }

    static char at2(std::string_view s, size_t pos) { return pos < s.size() ? s[pos] : '\0'; }

    void addEmbedded(std::string_view expression, std::string_view before, int bodyLine, int bodyCol)
    {
        // Where the expression starts in the file: count the lines of the body before it.
        const auto newlines = std::count(before.begin(), before.end(), '\n');
        const int line = bodyLine + int(newlines);
        const size_t lastNl = before.rfind('\n');
        const int col =
            lastNl == std::string_view::npos ? bodyCol + int(before.size()) : int(before.size() - lastNl - 1);
        auto embedded = tokenizePython(expression);
        std::erase_if(embedded, [](const Token& t) { return t.kind == TokenKind::Newline; });
        if (embedded.empty())
            return;
        auto wrap = [&](const char* text) {
            Token t;
            t.kind = TokenKind::Op;
            t.text = text;
            t.line = t.endLine = line;
            t.column = t.endColumn = col;
            t.embedded = true;
            return t;
        };
        m_tokens.push_back(wrap("("));
        for (Token& t : embedded) {
            if (t.line == 1)
                t.column += col;
            if (t.endLine == 1)
                t.endColumn += col;
            t.line += line - 1;
            t.endLine += line - 1;
            t.embedded = true;
            m_tokens.push_back(std::move(t));
        }
        m_tokens.push_back(wrap(")"));
    }

    std::string_view m_src;
    size_t m_pos = 0;
    size_t m_lineStart = 0;
    int m_line = 1;
    int m_depth = 0;
    bool m_lineHasTokens = false;
    std::vector<Token> m_tokens;
};

} // namespace

std::vector<Token> tokenizePython(std::string_view source)
{
    return Tokenizer(source).run();
}

} // namespace mwb::review
