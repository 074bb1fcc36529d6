// The refs of an archive's repositories, read without listing any commit:
// what the build's no-op check (site/inputs.h) compares with the last build.
#pragma once

#include <string>

namespace listdigest::archive {

/// One line per ref of every epoch of the archive at `path` (as
/// Inbox::Open finds its epochs): "<epoch dir> <ref name> <40 hex>", HEAD
/// included, sorted. False, with `err`, when an epoch cannot be opened (the
/// build then reports the problem properly).
bool ArchiveRefs(const std::string& path, std::string* refs, std::string* err);

}  // namespace listdigest::archive
