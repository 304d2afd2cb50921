#include "FormWidgets.h"

#include <QLabel>
#include <QProgressBar>
#include <QSettings>

namespace afk::ui
{

QLabel *makeErrorLabel(const QString &objectName, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #b00020;"));
    label->hide();
    return label;
}

QProgressBar *makeBusyIndicator(QWidget *parent)
{
    auto *bar = new QProgressBar(parent);
    bar->setObjectName(QStringLiteral("busyIndicator"));
    bar->setRange(0, 0); // indeterminate
    bar->setTextVisible(false);
    bar->setMaximumHeight(8);
    bar->hide();
    return bar;
}

void setOrRemoveSetting(QSettings &settings, const QString &key, const QVariant &value)
{
    const bool isEmpty = value.typeId() == QMetaType::QStringList ? value.toStringList().isEmpty()
                                                                   : value.toString().isEmpty();
    if (isEmpty)
        settings.remove(key);
    else
        settings.setValue(key, value);
}

bool syncSettings(QSettings &settings)
{
    settings.sync();
    return settings.status() == QSettings::NoError;
}

} // namespace afk::ui
