// What a build reads besides the mail, reduced to one fingerprint, and the
// no-op check built on it: when the fingerprint equals the last build's and
// every file that build wrote is still as it left it, the build has
// nothing to do.
#pragma once

#include <string>

#include "config/config.h"

namespace listdigest::site {

/// A hash (32 hex digits) of: the generator (GeneratorIdentity), the config
/// file, the mailmap, every file of the theme and of its override folders
/// (content/theme/ and theme_dir), the other files beside the config
/// (content pages), and every ref of every epoch of the archive (so a new
/// message, a new epoch or a rewritten history changes it). Big files
/// beside the config (over 1 MB: a bundled archive) count by size and
/// modification time, the rest by their bytes. False, with `err`, when the
/// archive's refs cannot be read.
bool InputFingerprint(const config::Config& config, const std::string& theme_dir,
                      std::string* fingerprint, std::string* err);

/// The no-op check. True when out_dir's last complete build (its state in
/// config.cache_dir) had `fingerprint`, its manifest is unchanged, no build
/// was interrupted since, and every file it wrote has the same size and
/// modification time. Then `summary` is that build's summary (one line of
/// JSON) and `files` the number of files checked.
bool OutputUpToDate(const config::Config& config, const std::string& out_dir,
                    const std::string& fingerprint, std::string* summary, size_t* files);

}  // namespace listdigest::site
