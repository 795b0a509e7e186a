#include "hub/hub_http.h"

#include <QEventLoop>
#include <QIODevice>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTimer>

namespace mwb::hub::detail {

QByteArray HttpResponse::header(const QByteArray& name) const
{
    for (const auto& h : headers)
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    return {};
}

QString displayUrl(const QUrl& url)
{
    return url.toDisplayString(QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::RemoveUserInfo);
}

std::string displayUrlString(const QUrl& url)
{
    return displayUrl(url).toStdString();
}

HubHttp::HubHttp(HubSettings settings, QString token)
    : m_settings(std::move(settings)), m_token(std::move(token)), m_endpoint(QUrl(m_settings.endpoint)),
      m_network(std::make_unique<QNetworkAccessManager>())
{
    m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

HubHttp::~HubHttp() = default;

bool HubHttp::isEndpointOrigin(const QUrl& url) const
{
    return url.scheme() == m_endpoint.scheme() &&
           url.host().compare(m_endpoint.host(), Qt::CaseInsensitive) == 0 &&
           url.port(url.scheme() == QLatin1String("https") ? 443 : 80) ==
               m_endpoint.port(m_endpoint.scheme() == QLatin1String("https") ? 443 : 80);
}

Result<HttpResponse> HubHttp::sendOnce(const HttpRequest& request)
{
    if (isCancelled())
        return fail(ErrorKind::Cancelled, "cancelled");
    if (m_settings.offline)
        return fail(ErrorKind::Network,
                    "offline mode is on (HF_HUB_OFFLINE): not sending " + request.method.toStdString() + " " +
                        displayUrlString(request.url) + "; unset HF_HUB_OFFLINE to reach the Hub");
    QNetworkRequest net(request.url);
    net.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    net.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    net.setRawHeader("User-Agent", m_settings.userAgent.toUtf8());
    // Set explicitly, or Qt asks for gzip and the sizes and Range offsets stop matching the file.
    net.setRawHeader("Accept-Encoding", "identity");
    if (!request.contentType.isEmpty())
        net.setHeader(QNetworkRequest::ContentTypeHeader, request.contentType);
    for (const auto& h : request.headers)
        net.setRawHeader(h.first, h.second);
    HttpResponse response;
    response.url = request.url;
    // The one place the token is attached: never to another host (signed CDN URLs, mirrors' redirects).
    if (!m_token.isEmpty() && !request.withoutToken && isEndpointOrigin(request.url)) {
        net.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
        response.authorizationSent = true;
    }

    // HEAD must go through head(): as a custom verb Qt would wait for a body of Content-Length bytes.
    QNetworkReply* reply = request.method == "HEAD" ? m_network->head(net)
                           : request.method == "GET"
                               ? m_network->get(net)
                               : m_network->sendCustomRequest(net, request.method, request.body);
    QEventLoop loop;
    QTimer stall;
    stall.setSingleShot(true);
    stall.setInterval(request.timeoutMs);
    QTimer cancelPoll;
    cancelPoll.setInterval(50);
    bool timedOut = false;
    bool headersSeen = false;
    auto onHeaders = [&] {
        if (headersSeen)
            return;
        headersSeen = true;
        response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        for (const auto& pair : reply->rawHeaderPairs())
            response.headers.append(pair);
        if (request.onHeaders)
            request.onHeaders(response.status);
    };
    const bool streaming = request.sink != nullptr;
    auto onReadyRead = [&] {
        if (!reply->isOpen()) // aborted (stall, cancel, disk full): nothing more to read
            return;
        onHeaders();
        stall.start();
        const QByteArray chunk = reply->readAll();
        if (streaming && (response.status == 200 || response.status == 206)) {
            if (request.sink->write(chunk) != chunk.size()) {
                response.networkError =
                    QStringLiteral("cannot write to disk: ") + request.sink->errorString();
                reply->abort();
                return;
            }
            if (request.onData)
                request.onData(chunk.size());
        } else {
            response.body += chunk;
        }
    };
    QObject::connect(reply, &QNetworkReply::metaDataChanged, &loop, onHeaders);
    QObject::connect(reply, &QNetworkReply::readyRead, &loop, onReadyRead);
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(&stall, &QTimer::timeout, &loop, [&] {
        timedOut = true;
        reply->abort();
    });
    QObject::connect(&cancelPoll, &QTimer::timeout, &loop, [&] {
        if (isCancelled())
            reply->abort();
    });
    stall.start();
    cancelPoll.start();
    if (!reply->isFinished())
        loop.exec();
    onReadyRead(); // whatever arrived with `finished`
    const QNetworkReply::NetworkError error = reply->error();
    const QString errorText = reply->errorString();
    reply->deleteLater();
    if (isCancelled())
        return fail(ErrorKind::Cancelled, "cancelled");
    if (!response.networkError.isEmpty())
        return response;
    // HTTP error statuses are answers, not transfer failures; everything else is.
    if (error != QNetworkReply::NoError &&
        (response.status == 0 || error < QNetworkReply::ContentAccessDenied ||
         error == QNetworkReply::OperationCanceledError))
        response.networkError =
            timedOut ? QStringLiteral("no data for %1 s").arg(request.timeoutMs / 1000.0) : errorText;
    return response;
}

bool HubHttp::isRetryable(const HttpResponse& response)
{
    if (response.status == 0 || response.failedInTransfer())
        return true;
    static const QList<int> statuses{408, 429, 500, 502, 503, 504};
    return statuses.contains(response.status);
}

bool HubHttp::sleep(int ms)
{
    QEventLoop loop;
    QTimer done;
    done.setSingleShot(true);
    QTimer poll;
    QObject::connect(&done, &QTimer::timeout, &loop, &QEventLoop::quit);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (isCancelled())
            loop.quit();
    });
    done.start(ms);
    poll.start(50);
    loop.exec();
    return !isCancelled();
}

bool HubHttp::waitBeforeRetry(const HttpResponse& response, int attempt)
{
    constexpr qint64 kMaxWaitMs = 300 * 1000;
    qint64 waitMs =
        std::min(qint64(m_settings.backoffBaseMs) << std::min(attempt, 16), qint64(m_settings.backoffMaxMs));
    // `RateLimit: "api";r=0;t=<seconds>` says exactly when the window resets (ARCHITECTURE.md, "Hub: errors
    // and retries").
    static const QRegularExpression rateLimit(QStringLiteral("r=(\\d+);\\s*t=(\\d+)"));
    const auto limit = rateLimit.match(QString::fromLatin1(response.header("RateLimit")));
    bool retryAfterOk = false;
    // Clamped before multiplying: a server asking for years must not wrap around into "retry now".
    const qint64 retryAfter = response.header("Retry-After").trimmed().toLongLong(&retryAfterOk);
    if (response.status == 429 && limit.hasMatch() && limit.captured(1).toInt() == 0)
        waitMs = (std::min(limit.captured(2).toLongLong(), kMaxWaitMs / 1000) + 1) * 1000;
    else if (retryAfterOk && retryAfter >= 0)
        waitMs = std::min(retryAfter, kMaxWaitMs / 1000) * 1000;
    return sleep(int(std::min(waitMs, kMaxWaitMs)));
}

Result<HttpResponse> HubHttp::send(const HttpRequest& request)
{
    if (m_probing || m_unreachable) {
        HttpRequest probe = request;
        probe.timeoutMs = std::min(request.timeoutMs, m_settings.probeTimeoutMs);
        auto response = sendOnce(probe);
        if (response && response->status == 0)
            m_unreachable = true;
        return response;
    }
    for (int attempt = 0;; ++attempt) {
        auto response = sendOnce(request);
        if (!response || !isRetryable(*response) || attempt >= m_settings.maxRetries)
            return response;
        if (!waitBeforeRetry(*response, attempt))
            return fail(ErrorKind::Cancelled, "cancelled");
    }
}

Result<HttpResponse> HubHttp::sendFollowingRedirects(HttpRequest request)
{
    for (int hop = 0; hop < 10; ++hop) {
        auto response = send(request);
        if (!response || !response->isRedirect())
            return response;
        const QUrl location = QUrl::fromEncoded(response->header("Location"));
        if (location.isEmpty())
            return response;
        request.url = request.url.resolved(location);
        if (!isEndpointOrigin(request.url))
            request.withoutToken = true; // and stays so for the rest of the chain
    }
    return fail(ErrorKind::Network, displayUrlString(request.url) + ": too many redirects");
}

} // namespace mwb::hub::detail
