// One place uploads go (R2/S3 today; Cloudinary's signed upload API can be another): the
// UploadQueue decides what and when, a target only puts one object and says how it went.
//
// To add a target: subclass UploadTarget, implement put() (asynchronous, on the thread that owns
// the target — QNetworkAccessManager is fine) and call done exactly once with a classified
// result. Never log or return credentials: errors reach the log and /status as they are.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>
#include <functional>

namespace afk::storage {

// One object to store. The queue reads the bytes off the event loop and hashes them there.
struct UploadObject {
    QString key;                 // "livestream/<stream key>/<path relative to its folder>"
    QByteArray bytes;            // the whole body (a segment or a playlist version)
    QByteArray sha256Hex;        // of bytes, lowercase hex
    QByteArray contentType;      // "video/mp2t", "application/vnd.apple.mpegurl", …
    QByteArray cacheControl;     // "public, max-age=31536000, immutable", "no-cache", …
};

struct UploadResult {
    enum class Outcome {
        Done,  // the object is stored: it will not be sent again
        Retry, // transient (5xx, SlowDown, timeout, connection refused): back off and try again
        Fatal, // needs a human (401/403, no such bucket, bad configuration): the queue pauses the
               // whole target with a long backoff and shows the error; never a hot loop
    };
    Outcome outcome = Outcome::Retry;
    QString error;       // one line for the log and /status; empty when Done
    int httpStatus = 0;  // 0 when no HTTP answer came
};

class UploadTarget : public QObject
{
    Q_OBJECT
public:
    using DoneCallback = std::function<void(const UploadResult &)>;

    using QObject::QObject;
    ~UploadTarget() override = default;

    // Short, stable, file-name safe: names the journal folder and the /status entry ("r2").
    virtual QString name() const = 0;
    // Where viewers fetch an object, empty when the target has no public URL.
    virtual QString publicUrl(const QString &objectKey) const = 0;
    // Stores the object; done is called once, later (never from inside put()).
    virtual void put(const UploadObject &object, DoneCallback done) = 0;
    // Deletes an object (for retention); Done also when it was not there.
    virtual void remove(const QString &objectKey, DoneCallback done) = 0;
};

} // namespace afk::storage
