// The upload signature against Cloudinary's documented example
// (cloudinary.com/documentation/authentication_signatures: secret "abcd").
#include "CloudinarySignature.h"

#include <QTest>

using afk::restream::CloudinaryParameters;
using afk::restream::cloudinarySignature;

class TestCloudinarySignature : public QObject
{
    Q_OBJECT
private slots:
    void documentedExample()
    {
        // Given in another order, with the parameters that are never signed.
        const CloudinaryParameters parameters{
            {QStringLiteral("timestamp"), QStringLiteral("1315060510")},
            {QStringLiteral("public_id"), QStringLiteral("sample_image")},
            {QStringLiteral("api_key"), QStringLiteral("1234")},
            {QStringLiteral("file"), QStringLiteral("@sample.jpg")},
            {QStringLiteral("resource_type"), QStringLiteral("image")},
            {QStringLiteral("cloud_name"), QStringLiteral("demo")},
            {QStringLiteral("eager"), QStringLiteral("w_400,h_300,c_pad|w_260,h_200,c_crop")},
        };
        QCOMPARE(cloudinarySignature(parameters, QStringLiteral("abcd")),
                 QStringLiteral("bfd09f95f331f558cbd1320e67aa8d488770583e"));
    }

    void emptyValuesAreNotSigned()
    {
        const CloudinaryParameters withEmpty{{QStringLiteral("public_id"), QStringLiteral("a")},
                                             {QStringLiteral("folder"), QString()},
                                             {QStringLiteral("timestamp"), QStringLiteral("1")}};
        const CloudinaryParameters without{{QStringLiteral("public_id"), QStringLiteral("a")},
                                           {QStringLiteral("timestamp"), QStringLiteral("1")}};
        QCOMPARE(cloudinarySignature(withEmpty, QStringLiteral("s")),
                 cloudinarySignature(without, QStringLiteral("s")));
        QVERIFY(cloudinarySignature(without, QStringLiteral("s")) !=
                cloudinarySignature(without, QStringLiteral("t")));
    }
};

QTEST_GUILESS_MAIN(TestCloudinarySignature)
#include "tst_cloudinarysignature.moc"
