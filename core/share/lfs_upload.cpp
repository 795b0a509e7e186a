// The LFS part of a push (ARCHITECTURE.md, "Hub: uploads"): batch, presigned PUTs (single or multipart),
// completion and verify. Nothing here changes the repo: the objects only become part of it with the commit.

#include "hub/hub_errors.h"
#include "share/push_internal.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

namespace mwb::share::detail {

using hub::detail::HttpRequest;
using hub::detail::HttpResponse;

namespace {

const QByteArray kLfsContentType = "application/vnd.git-lfs+json";

QString hostOf(const QUrl& url)
{
    return url.scheme() + QStringLiteral("://") + url.authority(); // never the signed query
}

bool succeeded(const HttpResponse& response)
{
    return !response.failedInTransfer() && response.status >= 200 && response.status < 300;
}

// A failed PUT to storage: says which file and host, without the presigned URL's signature.
Error storageError(const LocalFile& file, const HttpResponse& response, const QString& part)
{
    const QString what = response.failedInTransfer()
                             ? QStringLiteral("the connection dropped (%1)").arg(response.networkError)
                             : QStringLiteral("HTTP %1").arg(response.status);
    return Error{ErrorKind::Network, "uploading " + file.path.toStdString() + part.toStdString() + " to " +
                                         hostOf(response.url).toStdString() +
                                         " failed: " + what.toStdString() +
                                         " (after retries); nothing was committed, push again to retry"};
}

Result<HttpResponse> postLfsJson(const LfsContext& context,
                                 const QUrl& url,
                                 const QJsonObject& body,
                                 const QJsonObject& extraHeaders)
{
    HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.contentType = kLfsContentType;
    request.headers.append({"Accept", kLfsContentType});
    for (auto it = extraHeaders.begin(); it != extraHeaders.end(); ++it)
        if (it.value().isString())
            request.headers.append({it.key().toLatin1(), it.value().toString().toUtf8()});
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    request.timeoutMs = 60000;
    auto response = context.api->send(request);
    if (!response)
        return std::unexpected(response.error());
    if (!succeeded(*response))
        return std::unexpected(hub::detail::errorFromResponse(*response, context.errorContext));
    return response;
}

Result<QByteArray> readSlice(const LocalFile& file, qint64 offset, qint64 length)
{
    QFile in(file.absolutePath);
    if (!in.open(QIODevice::ReadOnly) || !in.seek(offset))
        return fail(ErrorKind::Io,
                    "cannot read " + file.absolutePath.toStdString() + ": " + in.errorString().toStdString());
    QByteArray bytes = in.read(length);
    if (bytes.size() != length)
        return fail(ErrorKind::Io, file.absolutePath.toStdString() + " changed while it was being uploaded");
    return bytes;
}

Result<HttpResponse> putBytes(const LfsContext& context, const QUrl& url, const QByteArray& bytes)
{
    HttpRequest request;
    request.method = "PUT";
    request.url = url;
    request.body = bytes;
    request.contentType = "application/octet-stream";
    request.timeoutMs = 120000;
    return context.storage->send(request); // retried on 5xx, 429 and dropped connections
}

Result<void>
uploadSingle(const LfsContext& context, LocalFile& file, const QUrl& href, const PhaseProgress& progress)
{
    auto bytes = readSlice(file, 0, file.size);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto response = putBytes(context, href, *bytes);
    if (!response)
        return std::unexpected(response.error());
    if (!succeeded(*response))
        return std::unexpected(storageError(file, *response, {}));
    progress.report(file.path, file.size, file.size);
    return {};
}

Result<void> uploadMultipart(const LfsContext& context,
                             LocalFile& file,
                             const QJsonObject& upload,
                             const PhaseProgress& progress)
{
    const QJsonObject header = upload.value("header").toObject();
    const qint64 chunkSize = header.value("chunk_size").toString().toLongLong();
    const qint64 parts = chunkSize > 0 ? (file.size + chunkSize - 1) / chunkSize : 0;
    // Only the numeric keys are part URLs (ARCHITECTURE.md, "Hub: uploads"); storage may add others.
    qint64 partUrls = 0;
    for (auto it = header.begin(); it != header.end(); ++it) {
        bool numeric = false;
        it.key().toLongLong(&numeric);
        partUrls += numeric ? 1 : 0;
    }
    if (chunkSize <= 0 || partUrls != parts)
        return fail(ErrorKind::Network, "the Hub asked for a multipart upload of " + file.path.toStdString() +
                                            " with " + std::to_string(partUrls) + " part URLs for " +
                                            std::to_string(parts) + " parts of " + std::to_string(chunkSize) +
                                            " bytes");
    QJsonArray etags;
    for (qint64 i = 1; i <= parts; ++i) {
        const QUrl partUrl = QUrl::fromEncoded(header.value(QString::number(i)).toString().toUtf8());
        if (!partUrl.isValid() || partUrl.isRelative())
            return fail(ErrorKind::Network, "the Hub gave no URL for part " + std::to_string(i) + " of " +
                                                file.path.toStdString());
        const qint64 offset = (i - 1) * chunkSize;
        auto bytes = readSlice(file, offset, std::min(chunkSize, file.size - offset));
        if (!bytes)
            return std::unexpected(bytes.error());
        auto response = putBytes(context, partUrl, *bytes);
        if (!response)
            return std::unexpected(response.error());
        const QString partName = QStringLiteral(" (part %1 of %2)").arg(i).arg(parts);
        if (!succeeded(*response))
            return std::unexpected(storageError(file, *response, partName));
        const QByteArray etag = response->header("ETag");
        if (etag.isEmpty())
            return fail(ErrorKind::Network, "uploading " + file.path.toStdString() + partName.toStdString() +
                                                ": the storage answered without an ETag");
        etags.append(QJsonObject{{"partNumber", int(i)}, {"etag", QString::fromLatin1(etag)}});
        progress.report(file.path, offset + bytes->size(), file.size);
    }
    const QUrl completion = QUrl::fromEncoded(upload.value("href").toString().toUtf8());
    auto done = postLfsJson(context, completion,
                            QJsonObject{{"oid", QString::fromLatin1(file.sha256)}, {"parts", etags}}, {});
    if (!done)
        return std::unexpected(stepError("completing the multipart upload of " + file.path, done.error()));
    return {};
}

Result<void> uploadObject(const LfsContext& context,
                          LocalFile& file,
                          const QJsonObject& actions,
                          const PhaseProgress& progress)
{
    const QJsonObject upload = actions.value("upload").toObject();
    const bool multipart = upload.value("header").toObject().contains("chunk_size");
    auto sent = multipart
                    ? uploadMultipart(context, file, upload, progress)
                    : uploadSingle(context, file, QUrl::fromEncoded(upload.value("href").toString().toUtf8()),
                                   progress);
    if (!sent)
        return sent;
    file.uploaded = true;
    if (actions.contains("verify")) {
        const QJsonObject verify = actions.value("verify").toObject();
        auto verified =
            postLfsJson(context, QUrl::fromEncoded(verify.value("href").toString().toUtf8()),
                        QJsonObject{{"oid", QString::fromLatin1(file.sha256)}, {"size", file.size}},
                        verify.value("header").toObject());
        if (!verified)
            return std::unexpected(stepError("verifying the upload of " + file.path, verified.error()));
    }
    return {};
}

} // namespace

Result<void> uploadLfsFiles(const LfsContext& context, QList<LocalFile*> files, const PhaseProgress& progress)
{
    // The Hub takes at most 256 objects per batch call.
    for (qsizetype start = 0; start < files.size(); start += 256) {
        const QList<LocalFile*> batch = files.mid(start, 256);
        QJsonArray objects;
        for (const LocalFile* f : batch)
            objects.append(QJsonObject{{"oid", QString::fromLatin1(f->sha256)}, {"size", f->size}});
        const QUrl url = QUrl::fromEncoded(context.api->settings().endpoint.toUtf8() + '/' +
                                           context.repoId.toUtf8() + ".git/info/lfs/objects/batch");
        auto response = postLfsJson(context, url,
                                    QJsonObject{{"operation", "upload"},
                                                {"transfers", QJsonArray{"basic", "multipart"}},
                                                {"objects", objects},
                                                {"hash_algo", "sha256"},
                                                {"ref", QJsonObject{{"name", context.branch}}}},
                                    {});
        if (!response)
            return std::unexpected(stepError(QStringLiteral("LFS batch"), response.error()));
        const QJsonArray answers =
            QJsonDocument::fromJson(response->body).object().value("objects").toArray();
        PhaseProgress fileProgress = progress;
        for (LocalFile* file : batch) {
            const auto answer = std::find_if(answers.begin(), answers.end(), [&](const QJsonValue& v) {
                return v.toObject().value("oid").toString().toLatin1() == file->sha256;
            });
            if (answer == answers.end())
                return fail(ErrorKind::Network,
                            "LFS batch: the Hub did not answer for " + file->path.toStdString());
            const QJsonObject object = answer->toObject();
            if (object.contains("error"))
                return fail(ErrorKind::Network,
                            "LFS batch refused " + file->path.toStdString() + ": " +
                                object.value("error").toObject().value("message").toString().toStdString());
            if (object.contains("actions")) // without actions the object is already stored
                if (auto ok = uploadObject(context, *file, object.value("actions").toObject(), fileProgress);
                    !ok)
                    return ok;
            fileProgress.doneBefore += file->size;
            fileProgress.report(file->path, file->size, file->size);
        }
    }
    return {};
}

} // namespace mwb::share::detail
