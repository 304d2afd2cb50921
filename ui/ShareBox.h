// What a streamer shares once live: the HLS URLs (ABR master, the single rendition the AFK PWA
// plays, the Low-Latency master), the public playback URL (a store's or Cloudinary's), the status
// URL and the Nostr address, each with a copy button.
#pragma once

#include <QWidget>

class QLineEdit;

namespace afk::ui {

class ShareBox : public QWidget
{
    Q_OBJECT
public:
    explicit ShareBox(QWidget *parent = nullptr);

    // streamUrl: http://host:port/livestream/<key>; empty clears every field.
    void setStreamUrl(const QString &streamUrl);
    void setNostrAddress(const QString &naddr);
    // Empty clears (no LL-HLS, or not yet listing every rendition; no public URL).
    void setLowLatencyUrl(const QString &url);
    void setPublicPlaybackUrl(const QString &url);
    QString masterUrl() const;

private:
    QLineEdit *addRow(const QString &label, const QString &objectName);

    QLineEdit *m_master = nullptr;
    QLineEdit *m_stream = nullptr;
    QLineEdit *m_lowLatency = nullptr;
    QLineEdit *m_public = nullptr;
    QLineEdit *m_status = nullptr;
    QLineEdit *m_nostr = nullptr;
};

} // namespace afk::ui
