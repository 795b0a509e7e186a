#include "review/python_highlighter.h"

#include "review/python_tokenizer.h"

#include <set>

#include <QTextDocument>

namespace mwb::ui {

namespace {

QTextCharFormat makeFormat(const QColor& color, bool bold = false, bool italic = false)
{
    QTextCharFormat f;
    f.setForeground(color);
    if (bold)
        f.setFontWeight(QFont::Bold);
    f.setFontItalic(italic);
    return f;
}

bool isKeyword(const std::string& word)
{
    static const std::set<std::string> kKeywords = {
        "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
        "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
        "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
        "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};
    return kKeywords.contains(word);
}

} // namespace

PythonHighlighter::PythonHighlighter(QTextDocument* document) : QSyntaxHighlighter(document) {}

void PythonHighlighter::retokenize()
{
    m_spans.clear();
    const QByteArray source = document()->toPlainText().toUtf8();
    const QList<QByteArray> lines = source.split('\n');
    // Token columns are byte offsets into the UTF-8 line; the editor counts UTF-16 code units.
    auto toIndex = [&](int line, int byteColumn) {
        const QByteArray& bytes = lines.value(line - 1);
        return int(QString::fromUtf8(bytes.left(byteColumn)).size());
    };
    auto lineLength = [&](int line) { return int(QString::fromUtf8(lines.value(line - 1)).size()); };
    const QTextCharFormat keyword = makeFormat(QColor(0x00, 0x33, 0x99), true);
    const QTextCharFormat string = makeFormat(QColor(0x06, 0x7d, 0x17));
    const QTextCharFormat comment = makeFormat(QColor(0x80, 0x80, 0x80), false, true);
    const QTextCharFormat number = makeFormat(QColor(0x17, 0x50, 0xeb));
    const QTextCharFormat definition = makeFormat(QColor(0x00, 0x62, 0x7a), true);

    const auto tokens = review::tokenizePython(std::string_view(source.constData(), size_t(source.size())));
    bool afterDef = false;
    for (const review::Token& t : tokens) {
        if (t.embedded)
            continue; // f-string fields stay coloured as part of their string
        const QTextCharFormat* f = nullptr;
        switch (t.kind) {
        case review::TokenKind::Name:
            f = afterDef ? &definition : isKeyword(t.text) ? &keyword : nullptr;
            afterDef = t.text == "def" || t.text == "class";
            break;
        case review::TokenKind::String:
            f = &string;
            break;
        case review::TokenKind::Comment:
            f = &comment;
            break;
        case review::TokenKind::Number:
            f = &number;
            break;
        default:
            afterDef = false;
            break;
        }
        if (!f)
            continue;
        for (int line = t.line; line <= t.endLine; ++line) {
            const int start = line == t.line ? toIndex(line, t.column) : 0;
            const int end = line == t.endLine ? toIndex(line, t.endColumn) : lineLength(line);
            if (end > start)
                m_spans[line - 1].append({start, end - start, *f});
        }
    }
    rehighlight();
}

void PythonHighlighter::highlightBlock(const QString& /*text*/)
{
    for (const Span& s : m_spans.value(currentBlock().blockNumber()))
        setFormat(s.start, s.length, s.format);
}

} // namespace mwb::ui
