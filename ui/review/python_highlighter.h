#pragma once

// Syntax highlighting for the Python viewer, driven by the review's own tokenizer
// (core/review/python_tokenizer.h), so what looks like a string or a comment on screen is exactly
// what the scanner treated as one. GUI thread only.

#include <QHash>
#include <QList>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace mwb::ui {

class PythonHighlighter : public QSyntaxHighlighter
{
    Q_OBJECT

public:
    explicit PythonHighlighter(QTextDocument* document);

    // Re-tokenizes the whole document; call after setting its text.
    void retokenize();

protected:
    void highlightBlock(const QString& text) override;

private:
    struct Span
    {
        int start = 0, length = 0;
        QTextCharFormat format;
    };
    QHash<int, QList<Span>> m_spans; // block number -> formatted spans
};

} // namespace mwb::ui
