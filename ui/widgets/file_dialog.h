#pragma once

// The file dialogs the app shows, behind one seam so tests can answer them in advance (the real
// dialog is modal and would block a test). In the app nothing is queued and the platform dialog is
// shown. GUI thread only.

#include <QString>
#include <QStringList>

class QWidget;

namespace mwb::ui {

class FileDialog
{
public:
    static QString getOpenFileName(QWidget* parent,
                                   const QString& caption,
                                   const QString& dir = {},
                                   const QString& filter = {});
    static QStringList getOpenFileNames(QWidget* parent,
                                        const QString& caption,
                                        const QString& dir = {},
                                        const QString& filter = {});
    static QString getSaveFileName(QWidget* parent,
                                   const QString& caption,
                                   const QString& dir = {},
                                   const QString& filter = {});
    static QString getExistingDirectory(QWidget* parent, const QString& caption, const QString& dir = {});

    // Tests: the next dialog returns `answer` without being shown (an empty string is "Cancel").
    // Answers are used in the order they were queued; for getOpenFileNames one answer may hold several
    // paths separated by '\n'.
    static void answerNext(const QString& answer);
    static int pendingAnswers();
    static void clearAnswers();
    // Tests: with nothing queued, every dialog answers "Cancel" instead of being shown.
    static void setAutoCancel(bool on);
    // Tests: the caption of the last dialog asked for (answered or shown).
    static QString lastCaption();
};

} // namespace mwb::ui
