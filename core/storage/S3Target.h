// R2 (or any S3-compatible store) as an UploadTarget: PutObject and DeleteObject signed with AWS
// Signature Version 4.
//
// Why QNetworkAccessManager + our own SigV4Signer and not libcurl's CURLOPT_AWS_SIGV4: the queue
// lives on the Qt event loop, and QNetworkAccessManager is already asynchronous there (no curl
// multi handle to pump, no thread per upload); signing is ~100 lines checked against the
// published AWS vectors, and libcurl would be one more library to link for one request type.
#pragma once

#include "SigV4Signer.h"
#include "UploadTarget.h"

#include <QNetworkReply>
#include <QUrl>

class QNetworkAccessManager;

namespace afk::storage {

struct S3TargetConfig {
    QUrl endpoint;           // https://<account>.r2.cloudflarestorage.com, http://127.0.0.1:9000
    QString bucket;
    QByteArray region = "auto";
    // <bucket>.<endpoint host>/<key> instead of <endpoint>/<bucket>/<key>
    bool isVirtualHosted = false;
    QString publicBaseUrl;   // --r2-public-url (no trailing '/'); empty: no public URL
    QByteArray accessKeyId;
    QByteArray secretAccessKey;
    int requestTimeoutMs = 30000;

    // Empty when usable, else what is missing (names only, never values).
    QString problem() const;
};

class S3Target : public UploadTarget
{
    Q_OBJECT
public:
    explicit S3Target(S3TargetConfig config, QObject *parent = nullptr);
    ~S3Target() override;

    QString name() const override { return QStringLiteral("r2"); }
    QString publicUrl(const QString &objectKey) const override;
    void put(const UploadObject &object, DoneCallback done) override;
    void remove(const QString &objectKey, DoneCallback done) override;

    // The request URL of an object (path-style or virtual-hosted).
    QUrl objectUrl(const QString &objectKey) const;

    // How an answer is classified (see UploadResult): a pure function for the unit tests.
    static UploadResult classify(int httpStatus, QNetworkReply::NetworkError networkError,
                                 const QByteArray &body, const QString &what);

private:
    void send(const QByteArray &method, const QString &objectKey, const QByteArray &body,
              const QByteArray &sha256Hex, const SigV4Pairs &extraHeaders, DoneCallback done);

    S3TargetConfig m_config;
    SigV4Signer m_signer;
    QNetworkAccessManager *m_network;
};

} // namespace afk::storage
