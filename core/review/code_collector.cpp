#include "review/code_collector.h"

#include "util/contained_path.h"
#include "util/input_file.h"
#include "util/json_parse.h"

#include <algorithm>
#include <deque>
#include <set>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace mwb::review {

namespace {

constexpr qint64 kMaxCodeFileBytes = 8 * 1024 * 1024; // a code file bigger than this is not reviewed

struct Pending
{
    QString path;
    QString referencedBy;
    bool required = true; // false for files that may legitimately be absent (a package's __init__.py)
};

class Collector
{
public:
    explicit Collector(QString root) : m_root(std::move(root)) {}

    void add(const QString& path, const QString& referencedBy, bool required = true)
    {
        m_queue.push_back({path, referencedBy, required});
    }

    void run()
    {
        while (!m_queue.empty()) {
            Pending next = m_queue.front();
            m_queue.pop_front();
            visit(next);
        }
        std::sort(m_set.files.begin(), m_set.files.end(),
                  [](const CodeFile& a, const CodeFile& b) { return a.path < b.path; });
    }

    CodeSet& result() { return m_set; }

private:
    bool exists(const QString& path) const { return QFileInfo(m_root + '/' + path).isFile(); }

    void visit(const Pending& item)
    {
        if (auto it = std::find_if(m_set.files.begin(), m_set.files.end(),
                                   [&](const CodeFile& f) { return f.path == item.path; });
            it != m_set.files.end()) {
            if (!it->referencedBy.contains(item.referencedBy))
                it->referencedBy.append(item.referencedBy);
            return;
        }
        if (!exists(item.path)) {
            if (item.required && !m_reportedMissing.contains(item.path)) {
                m_reportedMissing.insert(item.path);
                m_set.missing.push_back(
                    {item.path, item.referencedBy, QStringLiteral("not in the snapshot")});
            }
            return;
        }
        if (!resolvesInside(m_root + '/' + item.path, containmentRoot(m_root))) {
            m_set.problems.push_back(item.path.toStdString() +
                                     ": resolves outside the repository folder; not read");
            return;
        }
        QFile file(m_root + '/' + item.path);
        if (file.size() > kMaxCodeFileBytes || !file.open(QIODevice::ReadOnly)) {
            m_set.problems.push_back(item.path.toStdString() +
                                     (file.size() > kMaxCodeFileBytes
                                          ? ": too large to review"
                                          : ": cannot read: " + file.errorString().toStdString()));
            return;
        }
        CodeFile code;
        code.path = item.path;
        code.content = file.readAll();
        code.sha256 = sha256Hex(code.content);
        code.referencedBy.append(item.referencedBy);
        code.scan = scanPythonSource(std::string_view(code.content.constData(), size_t(code.content.size())));
        const std::vector<ImportRecord> imports = code.scan.imports;
        m_set.files.push_back(std::move(code));
        for (const ImportRecord& imp : imports)
            if (imp.isRelative())
                followRelativeImport(item.path, imp);
    }

    // `from .x.y import a` in pkg/m.py: pkg/x/__init__.py (optional), pkg/x/y.py or pkg/x/y/__init__.py,
    // and a, b... when they are submodules. `from . import a`: pkg/a.py or pkg/a/__init__.py or an
    // attribute of pkg/__init__.py.
    void followRelativeImport(const QString& fromPath, const ImportRecord& imp)
    {
        const QString who = fromPath + QStringLiteral(" line ") + QString::number(imp.line);
        QStringList base = fromPath.split('/');
        base.removeLast(); // the importing file's folder
        for (int up = 1; up < imp.level; ++up) {
            if (base.isEmpty()) {
                m_set.missing.push_back(
                    {QString::fromStdString(std::string(size_t(imp.level), '.') + imp.module), who,
                     QStringLiteral("relative import goes above the repo root")});
                return;
            }
            base.removeLast();
        }
        auto join = [](const QStringList& parts) { return parts.join('/'); };
        QStringList target = base;
        if (!imp.module.empty()) {
            const QStringList parts = QString::fromStdString(imp.module).split('.');
            for (qsizetype k = 0; k < parts.size(); ++k) {
                target.append(parts[k]);
                if (k + 1 < parts.size()) // the packages on the way are imported too
                    add(join(target) + QStringLiteral("/__init__.py"), who, false);
            }
            addModule(join(target), who, true);
            for (const std::string& name : imp.names)
                if (name != "*")
                    addModule(join(target) + '/' + QString::fromStdString(name), who, false);
            return;
        }
        for (const std::string& name : imp.names) {
            const QString module = join(base + QStringList{QString::fromStdString(name)});
            if (exists(module + QStringLiteral(".py")) || exists(module + QStringLiteral("/__init__.py"))) {
                addModule(module, who, true);
            } else {
                // `from . import name` may name an attribute of the package itself.
                const QString init = join(base + QStringList{QStringLiteral("__init__.py")});
                add(exists(init) ? init : module + QStringLiteral(".py"), who, true);
            }
        }
    }

    // A module is file.py or, for a package, folder/__init__.py.
    void addModule(const QString& modulePath, const QString& who, bool required)
    {
        const QString package = modulePath + QStringLiteral("/__init__.py");
        if (!exists(modulePath + QStringLiteral(".py")) && exists(package))
            add(package, who, required);
        else
            add(modulePath + QStringLiteral(".py"), who, required);
    }

    QString m_root;
    std::deque<Pending> m_queue;
    std::set<QString> m_reportedMissing;
    CodeSet m_set;
};

} // namespace

const CodeFile* CodeSet::file(const QString& path) const
{
    for (const CodeFile& f : files)
        if (f.path == path)
            return &f;
    return nullptr;
}

QString sha256Hex(const QByteArray& bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

CodeSet collectModules(const QString& snapshotDir, const std::vector<CodeSeed>& seeds)
{
    Collector collector(QDir(snapshotDir).absolutePath());
    for (const CodeSeed& seed : seeds) {
        CodeReference ref;
        ref.module = seed.module;
        collector.add(QString::fromStdString(ref.modulePath()), seed.referencedBy);
    }
    collector.run();
    return std::move(collector.result());
}

CodeSet collectCode(const QString& snapshotDir, const nlohmann::json& config)
{
    AutoMap map = parseAutoMap(config);
    Collector collector(QDir(snapshotDir).absolutePath());
    for (const CodeReference& ref : map.references) {
        if (ref.isUpstream())
            continue;
        const QString who =
            QStringLiteral("config.json auto_map.") + QString::fromStdString(ref.autoClass) +
            (ref.slot.empty() ? QString() : QStringLiteral(" (") + QString::fromStdString(ref.slot) + ')');
        collector.add(QString::fromStdString(ref.modulePath()), who);
    }
    collector.run();
    CodeSet set = std::move(collector.result());
    for (CodeReference& ref : map.references)
        (ref.isUpstream() ? set.upstream : set.references).push_back(std::move(ref));
    set.problems.insert(set.problems.begin(), map.problems.begin(), map.problems.end());
    return set;
}

Result<CodeSet> collectCode(const QString& snapshotDir)
{
    const QString path = QDir(snapshotDir).filePath(QStringLiteral("config.json"));
    auto bytes = readRegularFile(path, limits::kJsonBytes);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto config =
        parseJsonObject(std::string_view(bytes->constData(), size_t(bytes->size())), path.toStdString());
    if (!config)
        return std::unexpected(config.error());
    return collectCode(snapshotDir, *config);
}

} // namespace mwb::review
