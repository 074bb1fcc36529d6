// The binary form of MessageFacts for the build cache (site/cache.h): what
// ExtractFacts derives from a message's bytes, so a later build need not
// read and parse that message again. Every field of MessageFacts and of the
// mail structs inside it is listed in one place, facts_io.cc; a field
// missing from that list fails tests/model/facts_io_test.cc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/archive.h"

namespace listdigest::model {

/// The encoding's version: bump it whenever EncodeFacts writes anything
/// differently (a field added, removed or re-typed), so older caches are
/// rebuilt instead of misread.
inline constexpr int kFactsFormat = 5;  // 2: `above` keys; 3: texts together; 4: DiffHash by XXH3;
                                        // 5: subject parts as offsets, trailers together, From: boxed

/// Appends the message-derived fields of `facts` to `out`: everything but
/// position, epoch, commit and time (set from the commit) and author,
/// sender, reviews, parent and version (set by BuildArchive from the whole
/// archive), which decode as their defaults.
void EncodeFacts(const MessageFacts& facts, std::string* out);

/// Decodes what EncodeFacts wrote. Returns false, leaving `facts` in an
/// unspecified state, on truncated or malformed bytes (a corrupt cache).
bool DecodeFacts(std::string_view bytes, MessageFacts* facts);
/// The same, but the texts are views into `bytes` in `texts`, and
/// facts->texts stays empty.
bool DecodeFacts(std::string_view bytes, MessageFacts* facts, TextViews* texts);

/// How many fields facts_io.cc lists (stored or deliberately skipped) for
/// each struct it encodes; tests compare them with the structs' real field
/// counts so that a field added to MessageFacts cannot be forgotten.
struct FactsFieldCounts {
  size_t message_facts = 0;
  size_t subject = 0;
  size_t address = 0;
  size_t trailer = 0;
  size_t texts = 0;
};
FactsFieldCounts ListedFactsFields();

/// One stored field of a MessageFacts, down to strings and numbers
/// ("subject.revision", "trailers[].who.email"; a list of structs
/// gives its elements' fields, each element in turn), with its encoding and
/// whether that is the encoding of the type's default value. For tests.
struct StoredLeaf {
  std::string name;
  std::string bytes;
  bool is_default = true;
};
std::vector<StoredLeaf> StoredLeaves(const MessageFacts& facts);

/// The name of every stored leaf field facts_io.cc lists.
std::vector<std::string> StoredLeafNames();

}  // namespace listdigest::model
