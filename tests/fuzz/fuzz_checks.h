// What the mail and subject parsers promise for any input, checked by the
// fuzz targets (tests/fuzz/*_fuzz.cc, libFuzzer) and by the regression test
// that replays every input the fuzzers ever found (tests/fuzz/regressions/).
#pragma once

#include <string>
#include <string_view>

#include "mail/message.h"
#include "mail/subject.h"

namespace listdigest::fuzz {

inline bool ValidUtf8(const std::string& s) { return mail::MakeValidUtf8(s) == s; }

/// Parses `bytes` as a message and checks ParseMessage's promises: a
/// Message-ID always, valid UTF-8 without NUL everywhere, bounded header
/// text, a bounded excerpt. Returns "" or what was broken.
inline std::string CheckMail(std::string_view bytes) {
  const mail::Message m = mail::ParseMessage(bytes);
  if (m.message_id.empty()) return "empty Message-ID";
  for (const std::string* s :
       {&m.message_id, &m.in_reply_to, &m.raw_subject, &m.from.name, &m.from.email, &m.author.name,
        &m.author.email, &m.body, &m.subject.text}) {
    if (!ValidUtf8(*s)) return "invalid UTF-8";
    if (s->find('\0') != std::string::npos) return "NUL byte";
  }
  for (const auto& r : m.references) {
    if (!ValidUtf8(r) || r.size() > 998) return "bad reference";
  }
  if (m.references.size() > 256) return "too many references";
  if (m.raw_subject.size() > 2000) return "unbounded Subject";
  if (m.message_id.size() > 998 && !m.message_id_made_up) return "unbounded Message-ID";
  if (m.raw_subject.find_first_of("\r\n") != std::string::npos) return "line break in Subject";
  for (const auto& d : m.diagnostics) {
    if (!ValidUtf8(d)) return "invalid UTF-8 in a diagnostic";
  }
  for (const auto& t : m.trailers) {
    if (!ValidUtf8(t.value) || !ValidUtf8(t.who.name) || !ValidUtf8(t.who.email)) {
      return "invalid UTF-8 in a trailer";
    }
  }
  const std::string excerpt = mail::DigestExcerpt(m.body);
  if (!ValidUtf8(excerpt)) return "invalid UTF-8 in the excerpt";
  if (excerpt.size() > 64 * 1024 + 100) return "unbounded excerpt";
  return "";
}

/// Parses `subject` and checks ParseSubject's promises. Returns "" or what
/// was broken.
inline std::string CheckSubject(std::string_view subject) {
  const mail::Subject s = mail::ParseSubject(subject);
  if (s.text != mail::FoldWhiteSpace(subject)) return "text is not the folded subject";
  // The title, the tags and the revision are parts of the text.
  const auto inside = [&s](int at, size_t size) {
    return at >= 0 && static_cast<size_t>(at) + size <= s.text.size();
  };
  if (!inside(s.title_at, s.title().size()) || s.title_at + s.title().size() != s.text.size()) {
    return "title is not the end of the subject";
  }
  if (!inside(s.tags_at, static_cast<size_t>(s.tags_size)) || s.tags().size() != static_cast<size_t>(s.tags_size)) {
    return "tags outside the subject";
  }
  if (!inside(s.revision_at, static_cast<size_t>(s.revision_size)) ||
      s.revision().size() != static_cast<size_t>(s.revision_size)) {
    return "revision outside the subject";
  }
  if (s.patch && (s.reply || s.pull)) return "a patch that is a reply or pull";
  if (s.version < 0) return "negative version";
  return "";
}

}  // namespace listdigest::fuzz
