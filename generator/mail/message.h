// One mail message as listdigest sees it: decoded headers, the text body in
// valid UTF-8, the author, the trailers. Parsing never fails: what cannot be
// read becomes a diagnostic and the rest is kept.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mail/subject.h"

namespace listdigest::mail {

struct Address {
  std::string name;   // decoded display name; may be empty
  std::string email;  // as written (case kept); may be empty
  bool operator==(const Address&) const = default;
};

/// A trailer line such as "Reviewed-by: Name <addr>" from the message's own
/// (not quoted) text.
struct Trailer {
  std::string kind;   // "Reviewed-by", "Acked-by", … as spelled in DESIGN.md
  std::string value;  // the rest of the line, trimmed
  Address who;        // parsed from value for the person trailers
};

/// Whether a trailer of this kind names a person (all but Fixes, Link and
/// change-id): its `who` is read from its value.
bool IsPersonTrailer(std::string_view kind);

struct Message {
  std::string message_id;               // without <>; made up when missing
  bool message_id_made_up = false;
  std::string in_reply_to;              // without <>; may be empty
  std::vector<std::string> references;  // oldest first, without <>
  std::string raw_subject;              // decoded, unfolded
  Subject subject;
  Address from;                         // the From: header
  Address author;                       // the in-body From: when present, else `from`
  bool in_body_from = false;
  int64_t date = 0;                     // Date: in seconds since 1970; 0 when unreadable
  std::string body;                     // text/plain parts (and text patches), UTF-8, LF
  std::vector<Trailer> trailers;
  std::vector<std::string> diagnostics; // what could not be read, one sentence each
};

/// Parses one raw RFC 822 message. Thread-safe. Never fails.
Message ParseMessage(std::string_view bytes);

/// The trailers of `body` outside quoted (">") text, before the signature;
/// the first 1,000 (a real patch has a few dozen at most).
std::vector<Trailer> ParseTrailers(std::string_view body);

/// Splits "Name <addr>", "addr (Name)" or "addr" into an Address.
Address ParseAddress(std::string_view text);

/// The part of a body a digest shows: without the in-body From: line, up to
/// and including the diffstat summary ("N files changed, …") when there is
/// one, else up to the signature ("-- ") or the first diff.
std::string DigestExcerpt(std::string_view body);

/// Replaces invalid UTF-8 by U+FFFD. Returns the input when already valid.
std::string MakeValidUtf8(std::string_view bytes);

/// The kind of a diagnostic sentence of ParseMessage, for the counts in a
/// build's summary: "no-message-id", "bad-date", "charset", "truncated", …;
/// "other" for a sentence it does not know (such as an archive read error).
std::string DiagnosticKind(std::string_view diagnostic);

}  // namespace listdigest::mail
