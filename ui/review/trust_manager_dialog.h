#pragma once

// The trust manager: lists every trusted commit (repo, full commit id, date, note, number of files)
// and revokes the selected one. A thin view over review::TrustStore; it re-reads the store on refresh()
// so changes made by `mwb trust` show up. GUI thread only. objectNames: trustTable, revokeButton,
// refreshButton, trustErrorLabel.

#include <QDialog>

class QLabel;
class QPushButton;
class QTableWidget;

namespace mwb::ui {

class TrustManagerDialog : public QDialog
{
    Q_OBJECT

public:
    explicit TrustManagerDialog(QString trustDirectory, QWidget* parent = nullptr);

    void refresh();
    // Revokes the entry in `row`; false (and a message in the dialog) when that fails.
    bool revokeRow(int row);

Q_SIGNALS:
    void revoked(const QString& repoId, const QString& commit);

private:
    QString m_dir;
    QTableWidget* m_table;
    QPushButton* m_revoke;
    QLabel* m_error;
};

} // namespace mwb::ui
