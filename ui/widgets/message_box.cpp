#include "widgets/message_box.h"

#include <QQueue>

namespace mwb::ui {

namespace {

struct Answers
{
    QQueue<MessageBox::Button> queue;
    QStringList shown;
    bool autoAnswer = false;
};

Answers& answers()
{
    static Answers a;
    return a;
}

MessageBox::Button firstButton(MessageBox::Buttons buttons)
{
    for (unsigned bit = QMessageBox::FirstButton; bit <= QMessageBox::LastButton; bit <<= 1)
        if (buttons.testFlag(static_cast<MessageBox::Button>(bit)))
            return static_cast<MessageBox::Button>(bit);
    return QMessageBox::Ok;
}

MessageBox::Button ask(QMessageBox::Icon icon,
                       QWidget* parent,
                       const QString& title,
                       const QString& text,
                       MessageBox::Buttons buttons,
                       MessageBox::Button defaultButton)
{
    Answers& a = answers();
    a.shown.append(title + QStringLiteral(": ") + text);
    if (!a.queue.isEmpty())
        return a.queue.dequeue();
    if (a.autoAnswer)
        return defaultButton != QMessageBox::NoButton ? defaultButton : firstButton(buttons);
    QMessageBox box(icon, title, text, buttons, parent);
    box.setDefaultButton(defaultButton);
    box.setTextFormat(Qt::PlainText); // messages name files and may contain '<'
    return static_cast<MessageBox::Button>(box.exec());
}

} // namespace

MessageBox::Button MessageBox::information(
    QWidget* parent, const QString& title, const QString& text, Buttons buttons, Button defaultButton)
{
    return ask(QMessageBox::Information, parent, title, text, buttons, defaultButton);
}

MessageBox::Button MessageBox::warning(
    QWidget* parent, const QString& title, const QString& text, Buttons buttons, Button defaultButton)
{
    return ask(QMessageBox::Warning, parent, title, text, buttons, defaultButton);
}

MessageBox::Button MessageBox::critical(
    QWidget* parent, const QString& title, const QString& text, Buttons buttons, Button defaultButton)
{
    return ask(QMessageBox::Critical, parent, title, text, buttons, defaultButton);
}

MessageBox::Button MessageBox::question(
    QWidget* parent, const QString& title, const QString& text, Buttons buttons, Button defaultButton)
{
    return ask(QMessageBox::Question, parent, title, text, buttons, defaultButton);
}

void MessageBox::about(QWidget* parent, const QString& title, const QString& text)
{
    Answers& a = answers();
    a.shown.append(title + QStringLiteral(": ") + text);
    if (!a.queue.isEmpty()) {
        a.queue.dequeue();
        return;
    }
    if (!a.autoAnswer)
        QMessageBox::about(parent, title, text);
}

void MessageBox::answerNext(Button answer)
{
    answers().queue.enqueue(answer);
}

void MessageBox::setAutoAnswer(bool on)
{
    answers().autoAnswer = on;
}

int MessageBox::pendingAnswers()
{
    return static_cast<int>(answers().queue.size());
}

QStringList MessageBox::shownTexts()
{
    return answers().shown;
}

void MessageBox::clear()
{
    answers().queue.clear();
    answers().shown.clear();
}

} // namespace mwb::ui
