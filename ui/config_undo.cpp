#include "config_undo.h"

#include "config/config_document.h"

#include <QElapsedTimer>
#include <QUndoCommand>
#include <QUndoStack>

namespace mwb {

namespace {

constexpr int kEditCommandId = 1;
constexpr qint64 kMergeWindowMs = 1500; // typing "500" is one step, a later edit of the field another

class EditCommand final : public QUndoCommand
{
public:
    EditCommand(ConfigUndo& undo, nlohmann::json before, nlohmann::json after, const QString& description)
        : QUndoCommand(description), m_undo(undo), m_before(std::move(before)), m_after(std::move(after))
    {
        m_timer.start();
    }

    int id() const override { return kEditCommandId; }

    void undo() override { m_undo.restore(m_before, m_undo.stack()->index() - 1); }

    void redo() override
    {
        if (m_firstRedo) { // pushed after the edit was made: nothing to do
            m_firstRedo = false;
            return;
        }
        m_undo.restore(m_after, m_undo.stack()->index() + 1);
    }

    bool mergeWith(const QUndoCommand* other) override
    {
        const auto* next = static_cast<const EditCommand*>(other);
        if (next->text() != text() || m_timer.elapsed() > kMergeWindowMs ||
            text().startsWith(QLatin1String("Preset")))
            return false;
        m_after = next->m_after;
        m_timer.restart();
        return true;
    }

private:
    ConfigUndo& m_undo;
    nlohmann::json m_before;
    nlohmann::json m_after;
    QElapsedTimer m_timer;
    bool m_firstRedo = true;
};

} // namespace

ConfigUndo::ConfigUndo(ConfigDocument& document, QObject* parent)
    : QObject(parent), m_document(document), m_stack(new QUndoStack(this))
{
    m_stack->setObjectName(QStringLiteral("configUndoStack"));
    connect(&m_document, &ConfigDocument::edited, this,
            [this](const nlohmann::json& before, const QString& what) {
                if (!m_restoring)
                    m_stack->push(new EditCommand(*this, before, m_document.content(), what));
            });
    connect(&m_document, &ConfigDocument::replaced, m_stack, [this] {
        m_stack->clear();
        m_stack->setClean();
    });
    connect(&m_document, &ConfigDocument::modifiedChanged, m_stack, [this](bool modified) {
        if (!modified && !m_restoring)
            m_stack->setClean(); // saved
    });
}

void ConfigUndo::restore(const nlohmann::json& content, int targetIndex)
{
    m_restoring = true;
    m_document.restoreContent(content, targetIndex != m_stack->cleanIndex());
    m_restoring = false;
}

} // namespace mwb
