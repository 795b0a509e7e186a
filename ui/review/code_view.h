#pragma once

// A read-only source viewer with line numbers in a margin and a way to jump to a line (used by the
// review window's findings list). GUI thread only.

#include <QPlainTextEdit>

namespace mwb::ui {

class CodeView : public QPlainTextEdit
{
    Q_OBJECT

public:
    explicit CodeView(QWidget* parent = nullptr);

    // Moves the cursor to the 1-based `line`, scrolls it into view and marks it.
    void goToLine(int line);
    int currentLine() const; // 1-based line of the cursor

    int lineNumberAreaWidth() const;
    void paintLineNumbers(QPaintEvent* event);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void updateMargin();
    void scrollMargin(const QRect& rect, int dy);

    QWidget* m_lineNumbers;
};

} // namespace mwb::ui
