// Small pieces every form of the studio builds the same way, so that an error looks and behaves
// alike in each window and dialog.
#pragma once

#include <QString>
#include <QVariant>

class QLabel;
class QProgressBar;
class QSettings;
class QWidget;

namespace afk::ui
{

// A hidden red label for an error under a form. Plain text: errors quote user input and server
// answers, which must never be read as markup.
QLabel *makeErrorLabel(const QString &objectName, QWidget *parent);

// A hidden thin indeterminate bar shown while key derivation runs on a worker thread.
QProgressBar *makeBusyIndicator(QWidget *parent);

// Writes value under key, or removes the key for an empty value so the flag's default applies.
void setOrRemoveSetting(QSettings &settings, const QString &key, const QVariant &value);

// Flushes settings to disk; false when the file could not be written.
bool syncSettings(QSettings &settings);

} // namespace afk::ui
