#pragma once

// Edits a config's class labels (id2label / label2id): one label per line, in class order, with a
// count that says whether it matches Classes. Labels can also be read from a text file (one per
// line, as ImageNet's synset lists are). GUI thread only.

#include <QDialog>
#include <QStringList>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;

namespace mwb {

class ClassLabelsDialog final : public QDialog
{
    Q_OBJECT

public:
    ClassLabelsDialog(const QStringList& labels, int numClasses, QWidget* parent = nullptr);

    QStringList labels() const;
    // True when the user wants Classes set to the number of labels.
    bool setClassCount() const;
    void loadFile(const QString& path);

private:
    void updateCount();

    int m_numClasses = 0;
    QPlainTextEdit* m_edit = nullptr;
    QLabel* m_count = nullptr;
    QCheckBox* m_setClasses = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace mwb
