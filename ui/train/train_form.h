#pragma once

// The Train tab's settings: the data (a folder of class subfolders, or the installed Fashion-MNIST),
// the validation data (Fashion-MNIST's test split, a held-out fraction, or a folder), the model (the
// config in the Model tab with fresh weights, a pretrained folder, or the built-in model to fine-tune
// from), and the knobs `mwb train` has
// (epochs, batch size, learning rate, optimizer, freeze backbone, input size, image limit, seed,
// precision, threads, output folder). GUI thread only; it reads the config document it is given when
// asked.

#include "error.h"
#include "train/training_run.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace mwb {

class ConfigDocument;

namespace ui {

class TrainForm final : public QWidget
{
    Q_OBJECT

public:
    enum class DataKind
    {
        Folder,
        FashionMnist,
    };
    enum class ValidationKind
    {
        TestSplit, // Fashion-MNIST's t10k files
        HoldOut,
        Folder,
    };
    enum class ModelKind
    {
        EditorConfig,
        Pretrained,
        Builtin, // offered when the built-in model is installed
    };

    explicit TrainForm(const ConfigDocument& editor, QWidget* parent = nullptr);

    // The run the fields describe, or what is missing (one sentence naming the field).
    Result<TrainingSettings> settings() const;

    void setDataKind(DataKind kind);
    void setValidationKind(ValidationKind kind);
    void setModelKind(ModelKind kind);
    QString outputFolder() const;
    // After a run: a fresh default output folder unless the user typed one.
    void renewDefaultOutput();

private:
    QWidget* createDataBox();
    QWidget* createModelBox();
    QWidget* createTrainingBox();
    void fillValidationKinds();
    void updateVisibility();
    QPushButton* browseButton(QLineEdit* into, const QString& caption);

    const ConfigDocument& m_editor;
    QString m_defaultOutput;

    QComboBox* m_dataKind = nullptr;
    QLineEdit* m_dataPath = nullptr;
    QPushButton* m_dataBrowse = nullptr;
    QComboBox* m_validationKind = nullptr;
    QDoubleSpinBox* m_validationSplit = nullptr;
    QLineEdit* m_validationPath = nullptr;
    QPushButton* m_validationBrowse = nullptr;
    QSpinBox* m_limit = nullptr;
    QComboBox* m_modelKind = nullptr;
    QLineEdit* m_modelPath = nullptr;
    QPushButton* m_modelBrowse = nullptr;
    QCheckBox* m_freezeBackbone = nullptr;
    QSpinBox* m_epochs = nullptr;
    QSpinBox* m_batchSize = nullptr;
    QDoubleSpinBox* m_learningRate = nullptr;
    QComboBox* m_optimizer = nullptr;
    QSpinBox* m_inputSize = nullptr;
    QSpinBox* m_seed = nullptr;
    QComboBox* m_precision = nullptr;
    QSpinBox* m_threads = nullptr;
    QLineEdit* m_output = nullptr;
};

} // namespace ui
} // namespace mwb
