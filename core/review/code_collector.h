#pragma once

// Finds a repo snapshot's custom code without running it: the files `auto_map` names, then their
// relative imports (`from .x import y`, `from . import x`, `from ..pkg import z`, packages'
// __init__.py), recursively, all inside the same snapshot folder, i.e. at the same pinned commit.
// References to other repos ("org/repo--module.Class") are listed, not followed: the caller reviews
// that repo's own snapshot (see code_review.h). Every Python file read is scanned (python_scanner.h).
//
// Reads files only; any thread. Errors: Io when config.json cannot be read, InvalidInput when it is
// not JSON. Missing code files are not errors: they are listed in `missing`.

#include "error.h"
#include "review/auto_map.h"
#include "review/python_scanner.h"

#include <vector>

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace mwb::review {

struct CodeFile
{
    QString path; // repo-relative, '/'-separated
    QByteArray content;
    QString sha256;           // lowercase hex of content
    QStringList referencedBy; // "config.json auto_map.AutoConfig", "modeling_x.py line 4"
    SourceScan scan;
};

struct MissingCode
{
    QString path;         // the file that should exist ("modeling_resnet.py")
    QString referencedBy; // who named it
    QString reason;       // "not in the snapshot", "relative import goes above the repo root"
};

struct CodeSet
{
    std::vector<CodeReference> references; // auto_map entries whose code is in this repo
    std::vector<CodeReference> upstream;   // entries whose code is in another repo: review it too
    std::vector<CodeFile> files;           // sorted by path
    std::vector<MissingCode> missing;
    std::vector<std::string> problems; // malformed auto_map entries, unreadable files

    const CodeFile* file(const QString& path) const;
};

// A module to start from and who referenced it (for modules another repo's auto_map names).
struct CodeSeed
{
    std::string module; // "modeling_resnet" or "pkg.mod"
    QString referencedBy;
};

// Reads <snapshotDir>/config.json and collects the code its auto_map names.
Result<CodeSet> collectCode(const QString& snapshotDir);
// As collectCode, for a config already read.
CodeSet collectCode(const QString& snapshotDir, const nlohmann::json& config);
// Collects the given modules and what they import (an upstream repo's snapshot).
CodeSet collectModules(const QString& snapshotDir, const std::vector<CodeSeed>& seeds);

// sha256 of bytes as lowercase hex.
QString sha256Hex(const QByteArray& bytes);

} // namespace mwb::review
