#pragma once

// Undo and redo for config edits, as Tiled does it: every user edit of the ConfigDocument (a field, a
// preset, the labels) becomes a command on a QUndoStack; consecutive edits of one field (typing a
// number) merge into one step. Opening a file or starting a new config clears the history; saving
// marks the clean state, so undoing back to it clears the modified mark. GUI thread only.

#include <QObject>

#include <nlohmann/json.hpp>

class QUndoStack;

namespace mwb {

class ConfigDocument;

class ConfigUndo final : public QObject
{
    Q_OBJECT

public:
    ConfigUndo(ConfigDocument& document, QObject* parent = nullptr);
    QUndoStack* stack() const { return m_stack; }

    // Used by the commands: puts `content` back as the document, as of stack index `targetIndex`.
    void restore(const nlohmann::json& content, int targetIndex);

private:
    ConfigDocument& m_document;
    QUndoStack* m_stack = nullptr;
    bool m_restoring = false;
};

} // namespace mwb
