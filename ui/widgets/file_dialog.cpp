#include "widgets/file_dialog.h"

#include <optional>

#include <QFileDialog>
#include <QQueue>

namespace mwb::ui {

namespace {

QQueue<QString>& answers()
{
    static QQueue<QString> queue;
    return queue;
}

bool& autoCancel()
{
    static bool on = false;
    return on;
}

QString& lastCaptionRef()
{
    static QString caption;
    return caption;
}

// The queued answer, if a test gave one.
std::optional<QString> takeAnswer(const QString& caption)
{
    lastCaptionRef() = caption;
    if (answers().isEmpty())
        return autoCancel() ? std::optional<QString>(QString()) : std::nullopt;
    return answers().dequeue();
}

} // namespace

QString FileDialog::getOpenFileName(QWidget* parent,
                                    const QString& caption,
                                    const QString& dir,
                                    const QString& filter)
{
    if (auto answer = takeAnswer(caption))
        return *answer;
    return QFileDialog::getOpenFileName(parent, caption, dir, filter);
}

QStringList FileDialog::getOpenFileNames(QWidget* parent,
                                         const QString& caption,
                                         const QString& dir,
                                         const QString& filter)
{
    if (auto answer = takeAnswer(caption))
        return answer->isEmpty() ? QStringList() : answer->split(QLatin1Char('\n'));
    return QFileDialog::getOpenFileNames(parent, caption, dir, filter);
}

QString FileDialog::getSaveFileName(QWidget* parent,
                                    const QString& caption,
                                    const QString& dir,
                                    const QString& filter)
{
    if (auto answer = takeAnswer(caption))
        return *answer;
    return QFileDialog::getSaveFileName(parent, caption, dir, filter);
}

QString FileDialog::getExistingDirectory(QWidget* parent, const QString& caption, const QString& dir)
{
    if (auto answer = takeAnswer(caption))
        return *answer;
    return QFileDialog::getExistingDirectory(parent, caption, dir);
}

void FileDialog::answerNext(const QString& answer)
{
    answers().enqueue(answer);
}

int FileDialog::pendingAnswers()
{
    return static_cast<int>(answers().size());
}

void FileDialog::clearAnswers()
{
    answers().clear();
}

void FileDialog::setAutoCancel(bool on)
{
    autoCancel() = on;
}

QString FileDialog::lastCaption()
{
    return lastCaptionRef();
}

} // namespace mwb::ui
