#include "widgets/error_text.h"

#include <QRegularExpression>

namespace mwb::ui {

namespace {

struct Rewrite
{
    QRegularExpression pattern;
    QString replacement;
};

const std::vector<Rewrite>& rewrites()
{
    static const std::vector<Rewrite> list = [] {
        const QString login = QStringLiteral("Hub > Log in...");
        std::vector<Rewrite> r;
        auto add = [&r](const char* pattern, QString replacement) {
            r.push_back({QRegularExpression(QString::fromLatin1(pattern)), std::move(replacement)});
        };
        // Trust hints: the review window is where a commit is trusted.
        add(R"(\s*Review it \(mwb review [^)]*\) and trust that exact commit \(mwb trust [^)]*\))",
            QStringLiteral(" Review its code and trust that exact commit in the review window (Hub > Open "
                           "from Hub...)."));
        add(R"(\s*Review it, then run: mwb trust \S+ --revision [0-9a-f]{40})",
            QStringLiteral(" Pin that commit, review it, then trust it."));
        add(R"(; review and trust it \(mwb trust [^)]*\))",
            QStringLiteral("; open that repo with Hub > Open from Hub..., review it and trust that commit"));
        // Listing hints: the Open from Hub dialog shows refs and files.
        add(R"(; `mwb hub refs [^`]*` lists them\.)", QStringLiteral("; Hub > Open from Hub... lists them."));
        add(R"(; `mwb hub tree [^`]*` lists the files\.)",
            QStringLiteral("; Hub > Open from Hub... lists the files."));
        // Login hints.
        add(R"([Rr]un `mwb login`)", QStringLiteral("log in with %1").arg(login));
        add(R"(log in with `mwb login`)", QStringLiteral("log in with %1").arg(login));
        add(R"(Log in with `mwb login`)", QStringLiteral("Log in with %1").arg(login));
        add(R"(\(mwb login\))", QStringLiteral("(%1)").arg(login));
        add(R"(`mwb login`)", login);
        return r;
    }();
    return list;
}

} // namespace

QString guiErrorText(const QString& message)
{
    QString text = message;
    for (const Rewrite& r : rewrites())
        text.replace(r.pattern, r.replacement);
    return text;
}

QString guiErrorText(const Error& error)
{
    return guiErrorText(QString::fromStdString(error.message));
}

} // namespace mwb::ui
