#include "review/trust_manager_dialog.h"

#include "review/trust_store.h"
#include "widgets/error_text.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace mwb::ui {

TrustManagerDialog::TrustManagerDialog(QString trustDirectory, QWidget* parent)
    : QDialog(parent), m_dir(std::move(trustDirectory)), m_table(new QTableWidget(0, 5, this)),
      m_revoke(new QPushButton(tr("Revoke"), this)), m_error(new QLabel(this))
{
    setObjectName(QStringLiteral("trustManager"));
    setWindowTitle(tr("Trusted commits"));
    m_table->setObjectName(QStringLiteral("trustTable"));
    m_table->setHorizontalHeaderLabels({tr("Repo"), tr("Commit"), tr("Trusted on"), tr("Files"), tr("Note")});
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_revoke->setObjectName(QStringLiteral("revokeButton"));
    m_revoke->setEnabled(false);
    auto* refreshButton = new QPushButton(tr("Refresh"), this);
    refreshButton->setObjectName(QStringLiteral("refreshButton"));
    m_error->setObjectName(QStringLiteral("trustErrorLabel"));
    m_error->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(
        new QLabel(tr("Trust is recorded per commit. A repo's code loads only at a trusted commit "
                      "whose files still match what you reviewed."),
                   this));
    layout->addWidget(m_table, 1);
    layout->addWidget(m_error);
    auto* row = new QHBoxLayout;
    row->addWidget(m_revoke);
    row->addWidget(refreshButton);
    row->addStretch(1);
    row->addWidget(buttons);
    layout->addLayout(row);

    connect(m_table, &QTableWidget::itemSelectionChanged, this,
            [this] { m_revoke->setEnabled(!m_table->selectedItems().isEmpty()); });
    connect(m_revoke, &QPushButton::clicked, this, [this] { revokeRow(m_table->currentRow()); });
    connect(refreshButton, &QPushButton::clicked, this, &TrustManagerDialog::refresh);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    refresh();
}

void TrustManagerDialog::refresh()
{
    m_table->setRowCount(0);
    m_error->clear();
    auto store = review::TrustStore::open(m_dir);
    if (!store) {
        m_error->setText(ui::guiErrorText(store.error()));
        return;
    }
    for (const review::TrustEntry& e : store->entries()) {
        const int r = m_table->rowCount();
        m_table->insertRow(r);
        m_table->setItem(r, 0, new QTableWidgetItem(e.repoId));
        m_table->setItem(r, 1, new QTableWidgetItem(e.commit));
        m_table->setItem(r, 2, new QTableWidgetItem(e.date.toLocalTime().toString(Qt::ISODate)));
        QStringList files;
        for (const review::TrustedFile& f : e.files)
            files << f.path;
        auto* count = new QTableWidgetItem(QString::number(e.files.size()));
        count->setToolTip(files.join('\n'));
        m_table->setItem(r, 3, count);
        m_table->setItem(r, 4, new QTableWidgetItem(e.note));
    }
    m_revoke->setEnabled(false);
}

bool TrustManagerDialog::revokeRow(int row)
{
    if (row < 0 || row >= m_table->rowCount())
        return false;
    const QString repo = m_table->item(row, 0)->text();
    const QString commit = m_table->item(row, 1)->text();
    auto store = review::TrustStore::open(m_dir);
    auto result = store ? store->revoke(repo, commit) : Result<void>(std::unexpected(store.error()));
    if (!result) {
        m_error->setText(ui::guiErrorText(result.error()));
        return false;
    }
    refresh();
    Q_EMIT revoked(repo, commit);
    return true;
}

} // namespace mwb::ui
