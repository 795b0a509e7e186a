#pragma once

// A Hub-compatible HTTP server for tests, following the Hub behaviour in ARCHITECTURE.md: whoami-v2, model
// info, refs, commits and tree with `Link: rel="next"` pagination, paths-info, and `/resolve/` with the
// 307 host-relative redirect (regular files at a branch or tag) and the 302 redirect to a second origin
// standing in for the CDN (LFS files). Errors carry X-Error-Code / X-Error-Message and follow the
// 401-vs-404 rule. Faults can be injected and every request is recorded, with the Authorization header
// each origin received.
//
// Lives in the thread that creates it and serves from that thread's event loop; the tests use it
// in-process (their local event loops drive it) and fake_hub_server runs it as a program.

#include "fake_repo.h"

#include <memory>

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QString>

class QHttpServerRequest;
class QTcpSocket;

namespace mwb::fakehub {

struct FakeUser
{
    QString token;
    QString name;
    QStringList orgs;
    QString role = QStringLiteral("read"); // auth.accessToken.role
    QString tokenName = QStringLiteral("laptop");
};

struct RecordedRequest
{
    QString origin; // "hub" or "cdn"
    QByteArray method;
    QByteArray path; // as sent, percent-encoded
    QByteArray query;
    QByteArray authorization;
    QByteArray range;
    QByteArray acceptEncoding;
    QByteArray userAgent;
};

struct Fault
{
    enum class Kind
    {
        Status,      // answer `status` (with Retry-After when retryAfter >= 0) instead of the real thing
        DropMidBody, // send headers and `dropAfterBytes` of the body, then close the connection
        CorruptBody, // flip one byte in the middle of the body
        IgnoreRange, // answer 200 with the whole body although Range was asked
        Hang,        // accept the request and never answer (the client's stall timeout must fire)
        LoseAnswer,  // do the work (e.g. apply a commit), then close the connection without answering
        Redirect,    // answer 307 to `redirectTo` (default: the CDN origin, path prefixed with /hop)
        SetHeader,   // answer as usual but with `headerName: headerValue` (replacing that header)
    };
    Kind kind = Kind::Status;
    QByteArray pathContains; // matches the encoded request path
    QByteArray method;       // empty: any
    int remaining = 1;       // how many requests it applies to
    int status = 500;
    int retryAfter = -1;
    qint64 dropAfterBytes = 0;
    QByteArray redirectTo; // Redirect: an absolute URL or a host-relative path
    QByteArray headerName; // SetHeader
    QByteArray headerValue;
};

class FakeHub : public QObject
{
    Q_OBJECT

public:
    explicit FakeHub(QObject* parent = nullptr);
    ~FakeHub() override;

    // Listens on 127.0.0.1 for both origins; port 0 picks free ports. Returns false if it cannot.
    bool listen(quint16 hubPort = 0, quint16 cdnPort = 0);
    quint16 hubPort() const;
    quint16 cdnPort() const;
    QString endpoint() const; // "http://127.0.0.1:<hubPort>"

    void addUser(const FakeUser& user) { m_users.append(user); }
    FakeRepo& addRepo(const FakeRepo& repo);
    FakeRepo* repo(const QString& id);

    void setCommitPageSize(int size) { m_commitPageSize = size; }
    void setTreePageSize(int size) { m_treePageSize = size; }
    // Link headers as absolute URLs (true) or host-relative paths (false).
    void setAbsoluteLinks(bool absolute) { m_absoluteLinks = absolute; }

    // Uploads (fake_hub_upload.inc, ARCHITECTURE.md, "Hub: uploads"): LFS objects above the chunk size are
    // asked for in parts (0: always one PUT); files from the threshold up go through LFS even without a
    // .gitattributes rule.
    void setMultipartChunkSize(qint64 bytes) { m_multipartChunkSize = bytes; }
    void setLfsThreshold(qint64 bytes) { m_lfsThreshold = bytes; }
    // Adds a non-numeric key to a multipart `header` object (only the numeric keys are part URLs).
    void setMultipartExtraHeaderKeys(bool extra) { m_multipartExtraHeaderKeys = extra; }
    bool hasLfsObject(const QByteArray& sha256) const;

    void addFault(const Fault& fault) { m_faults.append(fault); }
    const QList<RecordedRequest>& requests() const { return m_requests; }
    void clearRequests() { m_requests.clear(); }

    // Demo content: users alice (token hf_alice_token, org acme) and bob (hf_bob_token); repos
    // acme/resnet-tiny (3 commits on main, branch dev, tag v1.0, LFS weights, a nested folder),
    // acme/private-model (private to acme), acme/gated-model (gated, bob has access),
    // acme/hostile (tree entries named ../x, /abs, a\b).
    void addDemoContent();

    struct Response; // one HTTP answer, written to the socket by hand

private:
    class Origin;
    bool handle(const QString& origin, const QHttpServerRequest& request, QTcpSocket* socket);
    Response route(const QString& origin, const QHttpServerRequest& request);
    Response routeApi(const QHttpServerRequest& request, const QList<QByteArray>& segments);
    Response routeRepoApi(const QHttpServerRequest& request, FakeRepo& repo, const QList<QByteArray>& rest);
    Response routeResolve(const QHttpServerRequest& request, const QList<QByteArray>& segments);
    Response routeResolveCache(const QHttpServerRequest& request, const QList<QByteArray>& segments);
    Response routeCdn(const QHttpServerRequest& request, const QList<QByteArray>& segments);

    Response whoami(const QHttpServerRequest& request);
    Response modelInfo(const QHttpServerRequest& request, const FakeRepo& repo, const FakeCommit& commit);
    Response refs(const FakeRepo& repo);
    Response commits(const QHttpServerRequest& request,
                     const FakeRepo& repo,
                     const QByteArray& rev,
                     const FakeCommit& head);
    Response tree(const QHttpServerRequest& request,
                  const FakeRepo& repo,
                  const QByteArray& rev,
                  const FakeCommit& commit,
                  const QString& path);
    Response pathsInfo(const QHttpServerRequest& request, const FakeCommit& commit);
    Response fileContent(const QHttpServerRequest& request, const FakeFile& file, const QByteArray& etag);

    // nullptr when the request may proceed; else the error to send (401 / 404 / 403 as the Hub does).
    std::unique_ptr<Response>
    checkAccess(const QHttpServerRequest& request, const QString& repoId, bool forFiles);
    const FakeUser* userFor(const QHttpServerRequest& request, bool& invalidToken) const;
    FakeRepo* findRepo(const QList<QByteArray>& segments, int first, int& consumed);
    QByteArray linkBase() const;
    Fault* takeFault(const QHttpServerRequest& request, Fault::Kind kind);

    // Uploads (fake_hub_upload.inc).
    std::unique_ptr<Response>
    routeUpload(const QString& origin, const QHttpServerRequest& request, const QList<QByteArray>& segments);
    std::unique_ptr<Response> checkWrite(const QHttpServerRequest& request, const QString& ns);
    Response createRepo(const QHttpServerRequest& request);
    Response preupload(const QHttpServerRequest& request, const FakeRepo& repo, const QString& rev);
    Response commitNdjson(const QHttpServerRequest& request, FakeRepo& repo, const QString& rev);
    Response lfsBatch(const QHttpServerRequest& request, const QString& repoId);
    Response lfsPut(const QHttpServerRequest& request, const QList<QByteArray>& segments);
    Response lfsComplete(const QHttpServerRequest& request, const QByteArray& oid);
    Response lfsVerify(const QHttpServerRequest& request);
    QByteArray lfsObject(const QByteArray& sha256) const;
    QMap<QByteArray, QByteArray> m_lfsObjects; // sha256 -> content, verified
    QMap<QByteArray, QByteArray> m_lfsPending; // sha256 -> content, uploaded, not yet verified
    QMap<QByteArray, QMap<int, QByteArray>> m_lfsParts;
    qint64 m_multipartChunkSize = 0;
    bool m_multipartExtraHeaderKeys = false;
    qint64 m_lfsThreshold = 10 * 1000 * 1000;

    std::unique_ptr<Origin> m_hub;
    std::unique_ptr<Origin> m_cdn;
    QList<FakeUser> m_users;
    QList<FakeRepo> m_repos;
    QList<Fault> m_faults;
    QList<RecordedRequest> m_requests;
    int m_commitPageSize = 50;
    int m_treePageSize = 1000;
    bool m_absoluteLinks = true;
};

} // namespace mwb::fakehub
