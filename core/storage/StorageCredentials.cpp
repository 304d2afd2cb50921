#include "StorageCredentials.h"

#include "CredentialStore.h"

namespace afk::storage {

QString credentialVariable(const QString &name)
{
    return QStringLiteral("AFK_") + name.toUpper().replace(u'-', u'_');
}

std::optional<QHash<QString, QString>> resolveCredentials(const QStringList &names,
                                                          const CredentialSources &sources,
                                                          QString *error)
{
    QHash<QString, QString> values;
    QStringList fromStore;
    for (const QString &name : names) {
        const QString variable = credentialVariable(name);
        if (const QString value = sources.environment.value(variable); !value.isEmpty())
            values.insert(name, value);
        else
            fromStore.append(name);
    }
    if (fromStore.isEmpty())
        return values;

    CredentialStore store(sources.directory);
    if (!store.load(error))
        return std::nullopt;
    for (const QString &name : fromStore)
        if (!store.has(name)) {
            if (error)
                *error = QStringLiteral("%1: set %2 or enter it in Settings → Storage")
                             .arg(name, credentialVariable(name));
            return std::nullopt;
        }
    if (!sources.passwordProvider) {
        if (error)
            *error = QStringLiteral("%1: stored encrypted, and no key password to open it")
                         .arg(fromStore.first());
        return std::nullopt;
    }
    const QString password = sources.passwordProvider(error);
    if (password.isEmpty())
        return std::nullopt;
    const std::optional<QHash<QString, QString>> stored = store.values(fromStore, password, error);
    if (!stored)
        return std::nullopt;
    values.insert(*stored);
    return values;
}

} // namespace afk::storage
