#include "mail/message.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

namespace listdigest::mail {
namespace {

void InitGMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

struct GObjectUnref {
  void operator()(gpointer p) const {
    if (p) g_object_unref(p);
  }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GFreeDeleter {
  void operator()(gpointer p) const { g_free(p); }
};
using GString_ = std::unique_ptr<char, GFreeDeleter>;

struct ParserOptionsDeleter {
  void operator()(GMimeParserOptions* p) const { g_mime_parser_options_free(p); }
};

// Loose parsing for real mail: encoded words inside words, unquoted commas
// in names, raw 8-bit headers tried as UTF-8 then Windows-1252.
GMimeParserOptions* LooseOptions() {
  static GMimeParserOptions* options = [] {
    GMimeParserOptions* o = g_mime_parser_options_new();
    g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
    const char* charsets[] = {"UTF-8", "windows-1252", nullptr};
    g_mime_parser_options_set_fallback_charsets(o, charsets);
    return o;
  }();
  return options;
}

std::string Trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r' || s[a] == '\n')) ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r' || s[b - 1] == '\n')) --b;
  return std::string(s.substr(a, b - a));
}

std::string StripAngles(std::string_view id) {
  std::string s = Trim(id);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  return s;
}

std::vector<std::string> ParseIds(const char* text) {
  std::vector<std::string> ids;
  if (!text) return ids;
  GMimeReferences* refs = g_mime_references_parse(LooseOptions(), text);
  if (!refs) return ids;
  const int n = g_mime_references_length(refs);
  for (int i = 0; i < n; ++i) {
    const char* id = g_mime_references_get_message_id(refs, i);
    if (id && *id) ids.push_back(MakeValidUtf8(id));
  }
  g_mime_references_free(refs);
  return ids;
}

Address FirstMailbox(InternetAddressList* list) {
  Address a;
  if (!list) return a;
  const int n = internet_address_list_length(list);
  for (int i = 0; i < n; ++i) {
    InternetAddress* ia = internet_address_list_get_address(list, i);
    if (!INTERNET_ADDRESS_IS_MAILBOX(ia)) continue;
    const char* name = internet_address_get_name(ia);
    const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
    a.name = name ? FoldWhiteSpace(Trim(MakeValidUtf8(name))) : "";
    a.email = addr ? Trim(MakeValidUtf8(addr)) : "";
    return a;
  }
  return a;
}

// Converts decoded part bytes in `charset` to UTF-8; on an unknown charset
// or bytes the charset cannot hold, keeps what is valid and notes it.
std::string ToUtf8(std::string_view bytes, const char* charset, std::vector<std::string>* diags) {
  std::string name = charset ? charset : "";
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  if (name.empty() || name == "utf-8" || name == "utf8" || name == "us-ascii" ||
      name == "ascii") {
    if (g_utf8_validate(bytes.data(), static_cast<gssize>(bytes.size()), nullptr) &&
        std::memchr(bytes.data(), 0, bytes.size()) == nullptr) {
      return std::string(bytes);
    }
    // Undeclared 8-bit text is most often Windows-1252; declared UTF-8 that
    // is not valid keeps its valid parts.
    if (name.empty()) charset = "windows-1252";
    else {
      diags->push_back("text part declared " + name + " holds invalid bytes");
      return MakeValidUtf8(bytes);
    }
  }
  const char* iconv_name = g_mime_charset_iconv_name(charset);
  GError* error = nullptr;
  gsize written = 0;
  char* out = g_convert(bytes.data(), static_cast<gssize>(bytes.size()), "UTF-8", iconv_name,
                        nullptr, &written, &error);
  if (!out) {
    diags->push_back(std::string("text part in charset ") + (charset ? charset : "?") +
                     " cannot be converted (" + (error ? error->message : "?") + ")");
    if (error) g_error_free(error);
    return MakeValidUtf8(bytes);
  }
  std::string result = MakeValidUtf8(std::string_view(out, written));
  g_free(out);
  return result;
}

bool IsBodyPart(GMimeObject* part) {
  GMimeContentType* ct = g_mime_object_get_content_type(part);
  if (!ct) return true;
  if (g_mime_content_type_is_type(ct, "text", "plain") ||
      g_mime_content_type_is_type(ct, "text", "x-patch") ||
      g_mime_content_type_is_type(ct, "text", "x-diff") ||
      g_mime_content_type_is_type(ct, "text", "x-log") ||
      g_mime_content_type_is_type(ct, "application", "x-patch")) {
    return true;
  }
  // A patch sent as an octet-stream attachment still is the patch.
  if (g_mime_content_type_is_type(ct, "application", "octet-stream") && GMIME_IS_PART(part)) {
    const char* file = g_mime_part_get_filename(GMIME_PART(part));
    if (file) {
      std::string f = file;
      auto ends = [&f](const char* s) {
        const size_t n = std::strlen(s);
        return f.size() >= n && f.compare(f.size() - n, n, s) == 0;
      };
      return ends(".patch") || ends(".diff");
    }
  }
  return false;
}

struct BodyCollector {
  std::string body;
  std::vector<std::string>* diags;
  int html_parts = 0;
};

void CollectPart(GMimeObject* /*parent*/, GMimeObject* part, gpointer data) {
  auto* collector = static_cast<BodyCollector*>(data);
  if (!GMIME_IS_PART(part)) return;
  GMimeContentType* ct = g_mime_object_get_content_type(part);
  if (ct && g_mime_content_type_is_type(ct, "text", "html")) ++collector->html_parts;
  if (!IsBodyPart(part)) return;
  GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(part));
  if (!content) return;
  GPtr<GMimeStream> stream(g_mime_stream_mem_new());
  if (g_mime_data_wrapper_write_to_stream(content, stream.get()) < 0) {
    collector->diags->push_back("a text part cannot be decoded");
    return;
  }
  GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.get()));
  std::string_view bytes(reinterpret_cast<const char*>(array->data), array->len);
  std::string text = ToUtf8(bytes, g_mime_object_get_content_type_parameter(part, "charset"),
                            collector->diags);
  // Mail travels with CRLF; the digest wants LF.
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  if (!collector->body.empty() && collector->body.back() != '\n') collector->body += '\n';
  collector->body += text;
}

const char* FirstHeader(GMimeObject* object, const char* name) {
  GMimeHeaderList* headers = g_mime_object_get_header_list(object);
  const int n = g_mime_header_list_get_count(headers);
  for (int i = 0; i < n; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
    if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) == 0) {
      return g_mime_header_get_raw_value(h);
    }
  }
  return nullptr;
}

// The in-body From: that git format-patch and send-email put first in the
// body when the sender is not the author:
//   From: Sean Christopherson <seanjc@google.com>
//
//   Start plumbing in guest_memfd support …
// Returns the offset of that line in `body`, or npos.
size_t InBodyFromLine(std::string_view body) {
  size_t i = 0;
  while (i < body.size() && (body[i] == '\n' || body[i] == ' ')) ++i;
  if (body.compare(i, 5, "From:") == 0) return i;
  return std::string_view::npos;
}

const char* const kTrailerKinds[] = {
    "Reviewed-by", "Acked-by",    "Tested-by", "Signed-off-by", "Co-developed-by",
    "Reported-by", "Suggested-by", "Fixes",    "Link",          "change-id",
};

bool IsPersonTrailer(std::string_view kind) {
  return kind != "Fixes" && kind != "Link" && kind != "change-id";
}

bool IsDiffStatSummary(std::string_view line) {
  // " 3 files changed, 20 insertions(+), 4 deletions(-)"
  // " 1 file changed, 5 deletions(-)"
  size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  size_t d = i;
  while (d < line.size() && std::isdigit(static_cast<unsigned char>(line[d]))) ++d;
  if (d == i) return false;
  std::string_view rest = line.substr(d);
  return rest.rfind(" files changed", 0) == 0 || rest.rfind(" file changed", 0) == 0;
}

}  // namespace

std::string MakeValidUtf8(std::string_view bytes) {
  const bool has_nul = std::memchr(bytes.data(), 0, bytes.size()) != nullptr;
  if (!has_nul && g_utf8_validate(bytes.data(), static_cast<gssize>(bytes.size()), nullptr)) {
    return std::string(bytes);
  }
  // NUL bytes have no place in text: they become U+FFFD like invalid bytes,
  // which also lets the result be read back as a C string.
  std::string copy;
  copy.reserve(bytes.size() + 8);
  for (char c : bytes) {
    if (c == '\0') copy += "\xEF\xBF\xBD";
    else copy += c;
  }
  GString_ valid(g_utf8_make_valid(copy.data(), static_cast<gssize>(copy.size())));
  return std::string(valid.get());
}

Address ParseAddress(std::string_view text) {
  InitGMime();
  const std::string value = Trim(text);
  Address a;
  InternetAddressList* list = internet_address_list_parse(LooseOptions(), value.c_str());
  if (list) {
    a = FirstMailbox(list);
    g_object_unref(list);
  }
  if (a.email.empty() && a.name.empty()) a.name = MakeValidUtf8(value);
  return a;
}

std::vector<Trailer> ParseTrailers(std::string_view body) {
  std::vector<Trailer> trailers;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    // A reviewer may paste a diff of their own and ack below it, so only
    // the signature ends the search.
    if (line == "-- ") break;
    if (line.empty() || line[0] == '>' || line[0] == ' ' || line[0] == '\t') continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon > 20) continue;
    std::string_view key = line.substr(0, colon);
    for (const char* kind : kTrailerKinds) {
      if (g_ascii_strncasecmp(key.data(), kind, key.size()) != 0 || std::strlen(kind) != key.size()) {
        continue;
      }
      Trailer t;
      t.kind = kind;
      t.value = Trim(line.substr(colon + 1));
      if (IsPersonTrailer(kind)) t.who = ParseAddress(t.value);
      trailers.push_back(std::move(t));
      break;
    }
  }
  return trailers;
}

std::string DigestExcerpt(std::string_view body) {
  std::string text(body);
  const size_t from = InBodyFromLine(text);
  if (from != std::string::npos) {
    const size_t eol = text.find('\n', from);
    text.erase(from, eol == std::string::npos ? std::string::npos : eol - from + 1);
  }
  size_t pos = 0;
  size_t cut = std::string::npos;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    if (IsDiffStatSummary(line)) {
      cut = end;
      break;
    }
    // The signature, the diff, or a list footer such as Mailman's
    // "_______________________________________________\nkvmarm mailing list".
    if (line == "-- " || line.rfind("diff --git ", 0) == 0 ||
        line.rfind("_______________________________________________", 0) == 0) {
      cut = pos;
      break;
    }
    pos = end + 1;
  }
  if (cut != std::string::npos) text.erase(cut);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    // Keep a trailing space on a text line; drop only blank lines at the end.
    if (text.back() == ' ') {
      const size_t nl = text.find_last_of('\n');
      const std::string_view last(text.data() + (nl == std::string::npos ? 0 : nl + 1),
                                  text.size() - (nl == std::string::npos ? 0 : nl + 1));
      if (last.find_first_not_of(' ') != std::string_view::npos) break;
    }
    text.pop_back();
  }
  return text;
}

Message ParseMessage(std::string_view bytes) {
  InitGMime();
  Message m;
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), LooseOptions()));
  if (!message) {
    m.diagnostics.push_back("not a mail message (no headers could be read)");
  } else {
    GMimeObject* object = GMIME_OBJECT(message.get());
    if (const char* raw_id = FirstHeader(object, "Message-ID")) {
      GString_ id(g_mime_utils_decode_message_id(raw_id));
      m.message_id = id && *id.get() ? MakeValidUtf8(id.get()) : MakeValidUtf8(StripAngles(raw_id));
    }
    if (const char* raw = FirstHeader(object, "Subject")) {
      // Decoded from the raw value: GMime's own subject is trimmed, and the
      // reference digests keep a trailing space ("… irqchip in kernel ").
      // The raw value is still folded, and decoding does not unfold it:
      //   Subject: Re: [kvm-unit-tests PATCH v7 06/13] arm/arm64: ITS: Introspection
      //    tests
      // kept "Introspection\n tests". Unfold first (drop the CR/LF, keep the
      // white space after them, RFC 5322 §2.2.3), then decode.
      std::string unfolded;
      for (const char* c = raw; *c; ++c) {
        if (*c != '\r' && *c != '\n') unfolded += *c;
      }
      GString_ decoded(g_mime_utils_header_decode_text(LooseOptions(), unfolded.c_str()));
      std::string text = decoded ? decoded.get() : unfolded;
      size_t start = 0;
      while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
      m.raw_subject = MakeValidUtf8(text.substr(start));
      // "Subject:" with nothing after it (patchwork's 0016-no-subject mail)
      // leaves a digest entry as titleless as a missing header does.
      if (m.raw_subject.find_first_not_of(" \t") == std::string::npos) {
        m.diagnostics.push_back("empty Subject header");
      }
    } else {
      m.diagnostics.push_back("no Subject header");
    }
    m.from = FirstMailbox(g_mime_message_get_from(message.get()));
    if (m.from.email.empty()) {
      m.from = FirstMailbox(g_mime_message_get_sender(message.get()));
      if (m.from.email.empty()) m.diagnostics.push_back("no readable From address");
    }
    if (GDateTime* date = g_mime_message_get_date(message.get())) {
      m.date = g_date_time_to_unix(date);
    } else {
      m.diagnostics.push_back("no readable Date header");
    }
    std::vector<std::string> irt = ParseIds(FirstHeader(object, "In-Reply-To"));
    if (!irt.empty()) m.in_reply_to = irt.front();
    m.references = ParseIds(FirstHeader(object, "References"));
    if (GMimeObject* mime = g_mime_message_get_mime_part(message.get())) {
      BodyCollector collector{{}, &m.diagnostics, 0};
      g_mime_message_foreach(message.get(), CollectPart, &collector);
      // A message that is a single part has no children to visit.
      if (GMIME_IS_PART(mime) && collector.body.empty() && IsBodyPart(mime)) {
        CollectPart(nullptr, mime, &collector);
      }
      m.body = std::move(collector.body);
      if (m.body.empty() && collector.html_parts > 0) {
        m.diagnostics.push_back("HTML only: no text/plain part");
      }
    }
  }
  if (m.message_id.empty()) {
    // A stable made-up id, so that the same message always gets the same page.
    GString_ sum(g_compute_checksum_for_data(G_CHECKSUM_SHA1,
                                             reinterpret_cast<const guchar*>(bytes.data()),
                                             bytes.size()));
    m.message_id = std::string(sum.get()) + "@listdigest.invalid";
    m.message_id_made_up = true;
    m.diagnostics.push_back("no Message-ID; made up " + m.message_id);
  }
  // Drop self-references: a message is never its own parent.
  if (m.in_reply_to == m.message_id) m.in_reply_to.clear();
  m.references.erase(std::remove(m.references.begin(), m.references.end(), m.message_id),
                     m.references.end());
  m.subject = ParseSubject(m.raw_subject);
  m.author = m.from;
  const size_t from_line = InBodyFromLine(m.body);
  if (from_line != std::string::npos) {
    const size_t eol = m.body.find('\n', from_line);
    Address in_body = ParseAddress(
        std::string_view(m.body).substr(from_line + 5, eol == std::string::npos ? std::string::npos
                                                                                : eol - from_line - 5));
    if (!in_body.email.empty()) {
      m.author = in_body;
      m.in_body_from = true;
    }
  }
  m.trailers = ParseTrailers(m.body);
  return m;
}

}  // namespace listdigest::mail
