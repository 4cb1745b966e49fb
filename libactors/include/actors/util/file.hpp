// file: the one way the project replaces a file durably (the model file,
// checkpoints): written in full to PATH.tmp, fsynced, then renamed over
// PATH, so that a crash leaves the old file or the new one, never a part.
// Reentrant; two writers of the same PATH at once race on PATH.tmp.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "actors/util/status.hpp"

namespace actors {

/// Writes `parts`, one after another, to `path` through `path` + ".tmp"
/// (created 0644, close-on-exec): written in full (short writes retried),
/// fsynced, renamed into place. On failure the temporary file is removed
/// and the error says which step failed and why: "TMP: cannot create:
/// REASON", "TMP: write failed: REASON" or "PATH: cannot rename into place:
/// REASON". The directory is not fsynced: a caller whose rename must
/// survive a crash does that (fsync_dir).
status replace_file(const std::string& path,
                    std::initializer_list<std::string_view> parts);

/// Fsyncs directory `dir`, which makes a rename in it durable; false (errno
/// set) if it cannot be opened or synced.
bool fsync_dir(const std::string& dir);

} // namespace actors
