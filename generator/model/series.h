// Patch series: which messages form one posting (a version), which versions
// are one series, and where each version stands.
#pragma once

#include <string>
#include <string_view>

#include "model/archive.h"

namespace listdigest::model {

/// Groups the patches of `archive` into versions and series, attaches
/// replies and computes states. Deterministic: depends on archive order only.
void GroupSeries(Archive* archive);

/// A URL- and file-name-safe slug: lower-case ASCII letters, digits and
/// single dashes, at most `max` bytes. Never empty ("x" when nothing is left).
std::string Slugify(std::string_view text, size_t max = 60);

/// A short stable hex hash (FNV-1a, 64 bit) of `text`, `digits` long.
std::string ShortHash(std::string_view text, int digits = 7);

}  // namespace listdigest::model
