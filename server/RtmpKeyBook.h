// Which stream an RTMP publisher's stream key (its secret, OBS's "Stream Key") publishes to:
// the lines "<secret> <stream id>" of --rtmp-key-file, and with open ingest the key itself as
// the stream id. Secrets are compared in constant time and never put in a message.
#pragma once

#include <QHash>
#include <QString>

namespace afk::server {

class RtmpKeyBook
{
public:
    // Reads the key file: one "<secret> <stream id>" a line, blank lines and "#" comments
    // skipped. False with the line number and reason (never the secret) on a bad line.
    bool load(const QString &path, QString *error);
    // Parses the text of a key file (what load() reads); source names it in errors.
    bool parse(const QByteArray &text, const QString &source, QString *error);
    void setOpenIngest(bool isOpenIngest) { m_isOpenIngest = isOpenIngest; }

    // A fresh random secret for streamId (POST /livestream/<id>/rtmp-key): it replaces the
    // secret issued for streamId before (a publisher still live on the old one goes on; its
    // next publish needs the new one). Key-file secrets stay. At most maxIssuedKeys are kept,
    // the oldest forgotten first.
    QString issue(const QString &streamId);
    static constexpr qsizetype maxIssuedKeys = 4096;

    // The stream id of key; empty when the key is unknown.
    QString streamIdFor(const QString &key) const;
    qsizetype size() const { return m_secrets.size() + m_issued.size(); }

    static bool isValidStreamId(const QString &streamId);

private:
    QList<std::pair<QByteArray, QString>> m_secrets; // secret, stream id (the key file's)
    QList<std::pair<QByteArray, QString>> m_issued;  // secret, stream id; oldest first
    bool m_isOpenIngest = false;
};

} // namespace afk::server
