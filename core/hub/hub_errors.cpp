#include "hub/hub_errors.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace mwb::hub::detail {

namespace {

QString serverMessage(const HttpResponse& r)
{
    QString message = QString::fromUtf8(r.header("X-Error-Message"));
    if (message.isEmpty()) {
        const QJsonObject body = QJsonDocument::fromJson(r.body).object();
        message = body.value("error").toString();
    }
    if (message.isEmpty() && r.body.size() < 200)
        message = QString::fromUtf8(r.body).trimmed();
    // A redirect body or an error may quote a signed URL: keep the address, drop its query string.
    static const QRegularExpression signedQuery(QStringLiteral("(https?://[^\\s?\"'<>]+)\\?[^\\s\"'<>]*"));
    message.replace(signedQuery, QStringLiteral("\\1"));
    // One line, printable: the message goes into an `error:` line.
    static const QRegularExpression controls(QStringLiteral("[\\x00-\\x1f\\x7f]+"));
    message.replace(controls, QStringLiteral(" "));
    return message.left(300);
}

bool isRepoUrl(const QUrl& url)
{
    const QString path = url.path();
    return path.startsWith(QLatin1String("/api/models/")) ||
           path.startsWith(QLatin1String("/api/datasets/")) ||
           path.startsWith(QLatin1String("/api/spaces/")) || path.contains(QLatin1String("/resolve/"));
}

std::string loginHint(const ErrorContext& c)
{
    return c.tokenSource.isEmpty()
               ? "If it is private, log in with `mwb login` (or set HF_TOKEN); otherwise check the repo id."
               : "Check the repo id, and that the token (" + c.tokenSource.toStdString() +
                     ") belongs to an account that can read it.";
}

} // namespace

bool allowsCacheFallback(const HttpResponse& r)
{
    if (r.status == 0 || r.failedInTransfer())
        return true;
    return r.status == 401 || r.status == 403 || r.status == 408 || r.status == 429 || r.status >= 500;
}

Error errorFromResponse(const HttpResponse& r, const ErrorContext& c)
{
    const std::string url = displayUrlString(r.url);
    const std::string repo = c.repoId.toStdString();
    const std::string rev = c.revision.isEmpty() ? std::string("main") : c.revision.toStdString();
    if (r.status == 0 || r.failedInTransfer())
        return {ErrorKind::Network, url + ": " + r.networkError.toStdString() +
                                        ". Check your network connection (and HF_ENDPOINT), then try again."};
    const QByteArray code = r.header("X-Error-Code");
    const QString message = serverMessage(r);
    const std::string said =
        message.isEmpty() ? std::string() : " (the Hub said: " + message.toStdString() + ")";

    if (code == "RevisionNotFound")
        return {ErrorKind::InvalidInput, "revision \"" + rev + "\" not found in " + repo + " (" + url +
                                             "). Use a branch, a tag or a commit id; `mwb hub refs " + repo +
                                             "` lists them."};
    if (code == "EntryNotFound")
        return {ErrorKind::InvalidInput, "file \"" + c.path.toStdString() + "\" not found in " + repo +
                                             " at revision " + rev + " (" + url +
                                             "). Check the path; `mwb hub tree " + repo + " --revision " +
                                             rev + "` lists the files."};
    if (code == "GatedRepo")
        return {ErrorKind::Network,
                repo + " is a gated repo and this account has no access to its files (" + url + "). " +
                    (c.tokenSource.isEmpty() ? "Log in with `mwb login`, then request access"
                                             : "Request access") +
                    " on the repo's page on the Hub and wait until it is granted." + said};
    if (message == QLatin1String("Access to this resource is disabled."))
        return {ErrorKind::Network, repo + " has been disabled on the Hub (" + url + ")."};
    const bool invalidCredentials =
        message.startsWith(QLatin1String("Invalid credentials in Authorization header"));
    if (r.status == 401 && invalidCredentials)
        return {ErrorKind::Network,
                "the Hub rejected the token" +
                    (c.tokenSource.isEmpty() ? std::string() : " (" + c.tokenSource.toStdString() + ")") +
                    " as invalid or expired (" + url +
                    "). Create a new token on the Hub and run `mwb login`, or fix HF_TOKEN."};
    if (code == "RepoNotFound" || (r.status == 401 && isRepoUrl(r.url)))
        return {ErrorKind::InvalidInput,
                "repository " + repo + " not found, or it is private (" + url + "). " + loginHint(c)};
    if (r.status == 401)
        return {ErrorKind::Network,
                "the Hub needs you to log in (" + url + "). Run `mwb login` or set HF_TOKEN." + said};
    if (r.status == 403)
        return {ErrorKind::Network, "the Hub refused access to " + url +
                                        ". Check that your token has the right permissions." + said};
    if (r.status == 429)
        return {ErrorKind::Network, "rate-limited by the Hub (" + url +
                                        "). Wait a few minutes and try again; logged-in requests get higher "
                                        "limits."};
    if (r.status == 416)
        return {ErrorKind::Network, url + ": the server refused the requested byte range (Content-Range: " +
                                        r.header("Content-Range").toStdString() +
                                        "). Delete the partial download and try again."};
    if (r.status == 404)
        return {ErrorKind::InvalidInput, url + ": not found." + said};
    if (r.status >= 500)
        return {ErrorKind::Network, url + ": the Hub answered HTTP " + std::to_string(r.status) +
                                        ". It may be having trouble; try again later." + said};
    return {ErrorKind::Network,
            url + ": unexpected HTTP " + std::to_string(r.status) + " from the Hub." + said};
}

} // namespace mwb::hub::detail
