#include "fake_repo.h"

#include <algorithm>

#include <QCryptographicHash>

namespace mwb::fakehub {

namespace {

QByteArray sha1Raw(const QByteArray& data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha1);
}

QByteArray gitObjectRaw(const QByteArray& type, const QByteArray& payload)
{
    return sha1Raw(type + ' ' + QByteArray::number(payload.size()) + '\0' + payload);
}

struct TreeNode
{
    QMap<QString, QByteArray> blobs; // name -> raw 20-byte blob id
    QMap<QString, TreeNode> dirs;
};

// Git orders tree entries by name, comparing a folder as if its name ended with '/'.
QByteArray treeId(const TreeNode& node, const QString& path, QMap<QString, QByteArray>& out)
{
    QList<QPair<QByteArray, QByteArray>> entries; // sort key -> entry bytes
    for (auto it = node.blobs.begin(); it != node.blobs.end(); ++it)
        entries.append({it.key().toUtf8(), "100644 " + it.key().toUtf8() + '\0' + it.value()});
    for (auto it = node.dirs.begin(); it != node.dirs.end(); ++it) {
        const QString childPath = path.isEmpty() ? it.key() : path + '/' + it.key();
        const QByteArray childId = treeId(it.value(), childPath, out);
        entries.append({it.key().toUtf8() + '/', "40000 " + it.key().toUtf8() + '\0' + childId});
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    QByteArray payload;
    for (const auto& e : entries)
        payload += e.second;
    const QByteArray id = gitObjectRaw("tree", payload);
    out[path] = id.toHex();
    return id;
}

} // namespace

QByteArray gitBlobSha1(const QByteArray& content)
{
    return gitObjectRaw("blob", content).toHex();
}

QByteArray FakeFile::gitBlobId() const
{
    return gitBlobSha1(lfs ? pointerFile() : content);
}

QByteArray FakeFile::sha256() const
{
    return QCryptographicHash::hash(content, QCryptographicHash::Sha256).toHex();
}

QByteArray FakeFile::pointerFile() const
{
    return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256() + "\nsize " +
           QByteArray::number(content.size()) + '\n';
}

QByteArray FakeRepo::commit(const QString& branch,
                            const QString& title,
                            const QString& message,
                            const QString& author,
                            const QMap<QString, std::optional<FakeFile>>& changes)
{
    FakeCommit c;
    if (branches.contains(branch)) {
        const FakeCommit* head = byId(branches[branch]);
        c.parent = head->id;
        c.files = head->files;
    }
    for (auto it = changes.begin(); it != changes.end(); ++it) {
        if (it.value())
            c.files[it.key()] = *it.value();
        else
            c.files.remove(it.key());
    }
    c.title = title;
    c.message = message;
    c.author = author;
    // Deterministic dates, one hour apart, so ids are stable from run to run.
    c.date = QDateTime(QDate(2024, 1, 1), QTime(0, 0), Qt::UTC).addSecs(3600 * commits.size());

    TreeNode root;
    for (auto it = c.files.begin(); it != c.files.end(); ++it) {
        const QStringList parts = it.key().split('/');
        TreeNode* node = &root;
        for (qsizetype i = 0; i + 1 < parts.size(); ++i)
            node = &node->dirs[parts[i]];
        node->blobs[parts.last()] = QByteArray::fromHex(it.value().gitBlobId());
    }
    const QByteArray tree = treeId(root, QString(), c.dirTrees).toHex();
    const QByteArray who = author.toUtf8() + " <" + author.toUtf8() + "@example.com> " +
                           QByteArray::number(c.date.toSecsSinceEpoch()) + " +0000";
    QByteArray object = "tree " + tree + '\n';
    if (!c.parent.isEmpty())
        object += "parent " + c.parent + '\n';
    object += "author " + who + "\ncommitter " + who + "\n\n" + title.toUtf8() + '\n';
    if (!message.isEmpty())
        object += '\n' + message.toUtf8() + '\n';
    c.id = gitObjectRaw("commit", object).toHex();
    commits.append(c);
    branches[branch] = c.id;
    return c.id;
}

const FakeCommit* FakeRepo::byId(const QByteArray& commitId) const
{
    for (const FakeCommit& c : commits)
        if (c.id == commitId)
            return &c;
    return nullptr;
}

const FakeCommit* FakeRepo::resolve(const QString& revision) const
{
    if (branches.contains(revision))
        return byId(branches[revision]);
    if (tags.contains(revision))
        return byId(tags[revision]);
    const QByteArray rev = revision.toLatin1();
    if (rev.size() < 7 || rev.size() > 40)
        return nullptr;
    const FakeCommit* found = nullptr;
    for (const FakeCommit& c : commits) {
        if (c.id.startsWith(rev)) {
            if (found)
                return nullptr; // ambiguous
            found = &c;
        }
    }
    return found;
}

QList<const FakeCommit*> FakeRepo::history(const FakeCommit& head) const
{
    QList<const FakeCommit*> out;
    for (const FakeCommit* c = &head; c; c = c->parent.isEmpty() ? nullptr : byId(c->parent))
        out.append(c);
    return out;
}

} // namespace mwb::fakehub
