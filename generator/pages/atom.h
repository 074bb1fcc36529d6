// Atom feeds (RFC 4287): the site's digest feed and the per-series and
// per-contributor feeds share this writer. Every string is XML-escaped here.
#pragma once

#include <string>
#include <vector>

namespace listdigest::pages {

struct AtomEntry {
  std::string title;
  std::string id;        // a URL or urn, unique and stable
  std::string link;      // absolute URL, or "" when base_url is not set
  std::string updated;   // "2021-03-01T10:00:00Z"
  std::string author;    // may be empty
  std::string summary;   // plain text; written as <content> when there is no link
};

struct AtomFeed {
  std::string title;
  std::string id;
  std::string link;      // the site page the feed follows; may be ""
  std::string self;      // the feed's own URL; may be ""
  std::string author;    // required by Atom when entries have none
  std::vector<AtomEntry> entries;  // newest first
};

/// The feed as XML. `updated` is the newest entry's time (or the epoch when
/// there is none), never the build time: same input, same bytes.
std::string RenderAtom(const AtomFeed& feed);

}  // namespace listdigest::pages
