// Validation of stream keys and file names: the only gate between a URL and the disk.
#pragma once

#include <QString>
#include <QStringList>

namespace afk::storage {

// ^[A-Za-z0-9_-]{1,64}$ — the stream key / NIP-53 d tag, used as a folder name.
bool isValidStreamKey(const QString &key);

// A single path segment naming a file or folder inside a stream's folder: letters, digits,
// '_', '-', '.', at most 128 characters, not starting with '.', so "..", hidden files,
// separators, NUL and absolute paths are all impossible.
bool isSafeFileName(const QString &name);

// 32 random lowercase hex characters.
QString generateStreamKey();

} // namespace afk::storage
