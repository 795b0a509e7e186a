#pragma once

// A small Python tokenizer for reviewing code without running it. It knows what makes naive text
// searches wrong: string literals (prefixes, triple quotes, escapes, f-strings whose {fields} are
// code), comments, explicit line continuations and implicit ones inside brackets. It never fails:
// hostile or broken input (an unterminated string, stray bytes) still yields tokens to the end.
// Pure functions; any thread.

#include <string>
#include <string_view>
#include <vector>

namespace mwb::review {

enum class TokenKind
{
    Name, // identifiers and keywords
    Number,
    String,  // text = the literal's body without prefix and quotes, escapes left as written
    Op,      // one punctuation character: . ( ) [ ] { } , : ; = + - * ...
    Comment, // text = everything after '#'
    Newline, // end of a logical line (never inside brackets or after a backslash continuation)
};

struct Token
{
    TokenKind kind = TokenKind::Op;
    std::string text;
    int line = 1;    // 1-based line where the token starts
    int column = 0;  // 0-based byte column where it starts
    int endLine = 1; // where it ends (exclusive column); multi-line for triple-quoted strings
    int endColumn = 0;
    std::string prefix;    // string prefix as written, lower-cased: "", "r", "b", "f", "rb", "fr"...
    bool embedded = false; // a token from inside an f-string's {field}: code, but within the literal
};

// Tokens of a whole file in source order. The fields of an f-string follow its String token as
// embedded tokens wrapped in "(" ... ")", so scanners see the calls they contain.
std::vector<Token> tokenizePython(std::string_view source);

} // namespace mwb::review
