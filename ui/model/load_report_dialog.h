#pragma once

// Shows what loading a weight file would do before anything is applied: one row per tensor with its
// status, both shapes and dtypes, filterable by status. The user applies (strictly, keeping the fresh
// classifier when only it differs, or loading what fits) or cancels.

#include "model/load_report.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QTableWidget;

namespace mwb {

struct LoadOptions;

class LoadReportDialog final : public QDialog
{
    Q_OBJECT

public:
    LoadReportDialog(const LoadReport& report, QWidget* parent = nullptr);

    // The options the user chose; meaningful after accept().
    LoadOptions options() const;

private:
    void applyFilter();
    void updateApplyButton();

    LoadReport m_report;
    QLabel* m_summary = nullptr;
    QComboBox* m_filter = nullptr;
    QTableWidget* m_table = nullptr;
    QCheckBox* m_keepFreshHead = nullptr;
    QCheckBox* m_nonStrict = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace mwb
