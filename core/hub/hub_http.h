#pragma once

// Internal to core/hub: one HTTP exchange at a time, run synchronously on the calling thread with a local
// QEventLoop (so it must not be the GUI thread; HubClient runs sessions on a worker thread). Owns its
// QNetworkAccessManager. Applies the rules every Hub request shares: the user agent,
// `Accept-Encoding: identity`, no automatic redirects, the Authorization header only for the endpoint's
// own origin, no request at all in offline mode, retries with backoff on 408/429/5xx and network errors
// honouring Retry-After and RateLimit, and cancellation from any thread.

#include "error.h"
#include "hub/hub_paths.h"

#include <atomic>
#include <functional>
#include <memory>

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

class QIODevice;
class QNetworkAccessManager;

namespace mwb::hub::detail {

struct HttpRequest
{
    QByteArray method = "GET";
    QUrl url;
    QByteArray body;
    QByteArray contentType;
    QList<QPair<QByteArray, QByteArray>> headers; // extra headers, e.g. Range
    int timeoutMs = 10000;                        // stall timeout
    // Streaming: when set, a 200/206 body goes to this device instead of HttpResponse::body.
    QIODevice* sink = nullptr;
    // Called once the status and headers are known, before any body byte is written to `sink`.
    std::function<void(int status)> onHeaders;
    std::function<void(qint64 bytesWritten)> onData; // after each chunk written to `sink`
    // Set once a redirect chain has left the endpoint: from then on no hop gets the token, even one that
    // leads back to the endpoint's host.
    bool withoutToken = false;
};

// The URL for messages and logs: no query string (signed CDN URLs carry Signature= and Expires=), no
// fragment, no user info.
QString displayUrl(const QUrl& url);
std::string displayUrlString(const QUrl& url);

struct HttpResponse
{
    QUrl url;
    int status = 0; // 0: no HTTP answer (network error)
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;      // empty when streamed to a sink
    QString networkError; // non-empty when the transfer failed (no answer, or cut mid-body)
    bool authorizationSent = false;

    QByteArray header(const QByteArray& name) const; // case-insensitive; empty when absent
    bool isRedirect() const { return status >= 300 && status <= 399; }
    bool failedInTransfer() const { return !networkError.isEmpty(); }
};

class HubHttp
{
public:
    HubHttp(HubSettings settings, QString token);
    ~HubHttp();

    const HubSettings& settings() const { return m_settings; }
    const QString& token() const { return m_token; }
    void setToken(const QString& token) { m_token = token; }
    void setCancelFlag(std::shared_ptr<std::atomic_bool> flag) { m_cancel = std::move(flag); }
    bool isCancelled() const { return m_cancel && m_cancel->load(); }

    // One exchange, no retry. Errors: Cancelled, or Network in offline mode. HTTP errors and transfer
    // failures come back in the response.
    Result<HttpResponse> sendOnce(const HttpRequest& request);
    // Retries on 408/429/500/502/503/504 and failures without an answer, up to settings().maxRetries.
    // While probing, or once a probe found the Hub unreachable, one attempt with the probe timeout.
    Result<HttpResponse> send(const HttpRequest& request);
    // Probe mode: the next requests are single short attempts (a cached copy is there to fall back on).
    void setProbing(bool probing) { m_probing = probing; }
    // True once a request got no answer at all (refused, timed out) while probing.
    bool hubUnreachable() const { return m_unreachable; }
    // GET/POST following redirects by hand (at most 10); the token is only ever sent to the endpoint origin.
    Result<HttpResponse> sendFollowingRedirects(HttpRequest request);

    // Waits as the retry policy says for attempt `attempt` (0-based) after `response`; false if cancelled.
    bool waitBeforeRetry(const HttpResponse& response, int attempt);
    static bool isRetryable(const HttpResponse& response);
    bool isEndpointOrigin(const QUrl& url) const;

private:
    bool sleep(int ms);

    HubSettings m_settings;
    QString m_token;
    QUrl m_endpoint;
    std::shared_ptr<std::atomic_bool> m_cancel;
    std::unique_ptr<QNetworkAccessManager> m_network;
    bool m_probing = false;
    bool m_unreachable = false;
};

} // namespace mwb::hub::detail
