// The text digest, in the layout of the weekly "KVM mailing list update"
// (see tests/data/seeds/): for mailing, and as digest.txt.
#pragma once

#include <string>

#include "model/archive.h"
#include "model/digest.h"

namespace listdigest::pages {

/// Renders `digest` as text. `list` names the list ("KVM"), `top` the rows
/// of each count table.
std::string DigestText(const model::Archive& archive, const model::Digest& digest,
                       const std::string& list, int top);

/// Renders `digest` as Markdown: the same facts, for mail clients and forges.
std::string DigestMarkdown(const model::Archive& archive, const model::Digest& digest,
                           const std::string& list, int top);

}  // namespace listdigest::pages
