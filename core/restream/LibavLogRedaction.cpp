#include "LibavLogRedaction.h"

#include <QByteArrayList>
#include <cstdio>
#include <mutex>

extern "C" {
#include <libavutil/log.h>
}

namespace afk::restream {
namespace {

std::mutex secretsMutex;
QByteArrayList secrets;

void filteredLog(void *context, int level, const char *format, va_list arguments)
{
    if (level > av_log_get_level())
        return;
    char line[2048];
    static int printPrefix = 1; // libav's own callback keeps this state the same way
    std::lock_guard lock(secretsMutex);
    av_log_format_line2(context, level, format, arguments, line, sizeof(line), &printPrefix);
    QByteArray text(line);
    for (const QByteArray &secret : std::as_const(secrets))
        text.replace(secret, "…");
    std::fputs(text.constData(), stderr);
}

} // namespace

void redactFromLibavLog(const QString &secret)
{
    if (secret.isEmpty())
        return;
    std::lock_guard lock(secretsMutex);
    if (secrets.isEmpty())
        av_log_set_callback(filteredLog);
    if (!secrets.contains(secret.toUtf8()))
        secrets << secret.toUtf8();
}

} // namespace afk::restream
