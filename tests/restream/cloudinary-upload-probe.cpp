// cloudinary-upload-probe API_BASE CLOUD raw|video FILE PUBLIC_ID
// Uploads FILE with CloudinaryUploader (key and secret from AFK_CLOUDINARY_API_KEY /
// AFK_CLOUDINARY_API_SECRET) and prints "done <secure_url>", "retry <why>" or "fatal <why>".
#include "CloudinaryUploader.h"

#include <QCoreApplication>
#include <cstdio>

using namespace afk::restream;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    if (arguments.size() != 6) {
        std::fprintf(stderr,
                     "usage: cloudinary-upload-probe API_BASE CLOUD raw|video FILE PUBLIC_ID\n");
        return 2;
    }
    CloudinaryCredentials credentials;
    QString error;
    if (!CloudinaryCredentials::fromEnvironment(&credentials, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 2;
    }
    credentials.apiBase = arguments[1];
    credentials.cloudName = arguments[2];
    CloudinaryUploader uploader(credentials);
    uploader.setTransferTimeoutMs(10000);
    const auto type = arguments[3] == u"video" ? CloudinaryUploader::ResourceType::Video
                                               : CloudinaryUploader::ResourceType::Raw;
    uploader.upload(arguments[4], arguments[5], type, [](const CloudinaryUploadOutcome &outcome) {
        switch (outcome.kind) {
        case CloudinaryUploadOutcome::Kind::Done:
            std::printf("done %s\n", qPrintable(outcome.secureUrl));
            break;
        case CloudinaryUploadOutcome::Kind::Retry:
            std::printf("retry %s\n", qPrintable(outcome.message));
            break;
        case CloudinaryUploadOutcome::Kind::Fatal:
            std::printf("fatal %s\n", qPrintable(outcome.message));
            break;
        }
        std::fflush(stdout);
        QCoreApplication::quit();
    });
    return app.exec();
}
