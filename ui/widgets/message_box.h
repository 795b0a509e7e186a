#pragma once

// The message boxes the app shows, behind one seam so tests can answer them in advance and read what
// the user was told (a real QMessageBox is modal and would block a test). In the app nothing is
// queued and a normal QMessageBox is shown. GUI thread only.

#include <QMessageBox>
#include <QString>
#include <QStringList>

namespace mwb::ui {

class MessageBox
{
public:
    using Button = QMessageBox::StandardButton;
    using Buttons = QMessageBox::StandardButtons;

    static Button information(QWidget* parent,
                              const QString& title,
                              const QString& text,
                              Buttons buttons = QMessageBox::Ok,
                              Button defaultButton = QMessageBox::NoButton);
    static Button warning(QWidget* parent,
                          const QString& title,
                          const QString& text,
                          Buttons buttons = QMessageBox::Ok,
                          Button defaultButton = QMessageBox::NoButton);
    static Button critical(QWidget* parent,
                           const QString& title,
                           const QString& text,
                           Buttons buttons = QMessageBox::Ok,
                           Button defaultButton = QMessageBox::NoButton);
    static Button question(QWidget* parent,
                           const QString& title,
                           const QString& text,
                           Buttons buttons = QMessageBox::Yes | QMessageBox::No,
                           Button defaultButton = QMessageBox::NoButton);

    // QMessageBox::about (rich text), recorded and skipped like the others when answering.
    static void about(QWidget* parent, const QString& title, const QString& text);

    // Tests: the next message box returns `answer` without being shown. When nothing is queued
    // while answering is on (setAutoAnswer), a box returns its default button (else its first one),
    // so a test never blocks on a box it did not expect; it can still check shownTexts().
    static void answerNext(Button answer);
    static void setAutoAnswer(bool on);
    static int pendingAnswers();
    // Tests: "title: text" of every box asked for since the last clear, in order.
    static QStringList shownTexts();
    static void clear();
};

} // namespace mwb::ui
