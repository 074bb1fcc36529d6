#include "mail/message.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>

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

// --- Hostile and broken mail: bounds, cleaning, parser warnings -------------

// How much of one header a page shows. RFC 5322 allows 998 bytes a line; a
// real subject folded over a few lines stays far below 2,000 bytes, while a
// crafted one-megabyte Subject would be copied into every page listing it.
constexpr size_t kMaxSubject = 2000;
constexpr size_t kMaxName = 256;
constexpr size_t kMaxEmail = 254;  // RFC 5321's limit for a path
constexpr size_t kMaxId = 998;
constexpr size_t kMaxReferences = 256;
// A cover letter of 20 MB would otherwise be copied whole into its digest.
constexpr size_t kMaxExcerpt = 64 * 1024;
// GMime spends about 650 bytes on each address of a To: line and 2 KB on
// each MIME part: a 20 MB To: header took 2.2 s and 650 MB, a 20 MB message
// of 650,000 tiny parts 11 s and 1.3 GB. Real mail stays far below both.
constexpr size_t kMaxHeaderField = 256 * 1024;
constexpr size_t kMaxParts = 10000;
constexpr size_t kMaxTrailers = 1000;
constexpr const char* kReplacementChar = "\xEF\xBF\xBD";

// Cuts valid UTF-8 to at most `max` bytes without splitting a character.
std::string CutUtf8(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

// Characters that must not reach a page, a feed or digest.txt (which is
// mailed and read in terminals) as they are: C0 and C1 controls (an ESC that
// starts "\x1b[31m"), DEL, and the bidirectional embeddings, overrides and
// isolates that make "Evil \u202Egnp.exe" read as "Evil exe.png". Each
// becomes a visible U+FFFD. In one-line text (headers) a CR or LF that an
// encoded word decoded to (=?UTF-8?Q?a=0D=0ABcc:_x?=) becomes a space; a
// body keeps its line feeds, tabs and form feeds (kernel sources hold ^L).
// `text` is valid UTF-8.
std::string CleanText(std::string_view text, bool one_line) {
  // The bytes that may start something to replace; all others are copied
  // as they are, which is nearly every byte of real mail.
  struct Table {
    bool start[256] = {};
    explicit Table(bool line) {
      for (int c = 0; c < 0x20; ++c) start[c] = c != '\t' && (line || (c != '\n' && c != '\f'));
      start[0x7F] = start[0xC2] = start[0xE2] = true;
    }
  };
  static const Table kBody(false), kLine(true);
  const bool* starts = one_line ? kLine.start : kBody.start;
  std::string out;
  size_t copied = 0;
  bool changed = false;
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && !starts[static_cast<unsigned char>(text[i])]) ++i;
    if (i >= text.size()) break;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t n = 0;
    const char* replacement = kReplacementChar;
    if (c < 0x20 || c == 0x7F) {
      n = 1;
      if (c == '\r' || c == '\n') replacement = " ";
    } else if (c == 0xC2 && i + 1 < text.size()) {
      const unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
      if (c1 >= 0x80 && c1 <= 0x9F) n = 2;  // U+0080 … U+009F
    } else if (c == 0xE2 && i + 2 < text.size()) {
      const unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
      const unsigned char c2 = static_cast<unsigned char>(text[i + 2]);
      if ((c1 == 0x80 && c2 >= 0xAA && c2 <= 0xAE) ||  // U+202A … U+202E
          (c1 == 0x81 && c2 >= 0xA6 && c2 <= 0xA9)) {  // U+2066 … U+2069
        n = 3;
      }
    }
    if (n == 0) {
      ++i;
      continue;
    }
    if (!changed) out.reserve(text.size() + 16);
    changed = true;
    out.append(text.substr(copied, i - copied));
    out += replacement;
    i += n;
    copied = i;
  }
  if (!changed) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

// Header text as listdigest keeps it: valid UTF-8, cleaned, at most `max` bytes.
std::string HeaderText(std::string_view raw, size_t max) {
  return CutUtf8(CleanText(MakeValidUtf8(raw), true), max);
}

// What GMime's parser noticed while reading one message: warning code ->
// the first item it named. Duplicated headers are kept apart by name.
using ParserWarnings = std::map<std::pair<int, std::string>, std::string>;

void OnParserWarning(gint64 /*offset*/, GMimeParserWarning code, const gchar* item,
                     gpointer data) {
  auto* warnings = static_cast<ParserWarnings*>(data);
  const std::string text = item ? item : "";
  const std::string key = code == GMIME_CRIT_CONFLICTING_HEADER ? text : "";
  warnings->emplace(std::make_pair(static_cast<int>(code), key), text);
}

// The sentence for a parser warning that means part of the message may be
// lost or read differently by other mail readers; "" for harmless ones
// (raw 8-bit headers, which real mail is full of and the fallback charsets
// read). None of these fires on the real corpora of tests/data.
std::string WarningSentence(int code, const std::string& item) {
  const std::string quoted = "\"" + HeaderText(item.substr(0, 200), 60) + "\"";
  switch (code) {
    case GMIME_CRIT_CONFLICTING_HEADER: {
      const std::string name = HeaderText(item, 60);
      for (const char* read : {"Message-ID", "Subject", "From", "Date"}) {
        if (g_ascii_strcasecmp(name.c_str(), read) == 0) {
          return "duplicated " + name + " header; the first one is used";
        }
      }
      return "duplicated " + name + " header";
    }
    case GMIME_CRIT_INVALID_HEADER_NAME:
      return "a line among the headers is no header: " + quoted;
    case GMIME_WARN_INVALID_CONTENT_TYPE:
      return "unreadable Content-Type " + quoted;
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
      return "malformed encoded word in a header: " + quoted;
    case GMIME_WARN_INVALID_ADDRESS_LIST:
      return "unreadable address list: " + quoted;
    case GMIME_WARN_MALFORMED_MULTIPART:
    case GMIME_WARN_PART_WITHOUT_CONTENT:
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
      return "malformed multipart: a part without headers or content";
    case GMIME_WARN_MALFORMED_MESSAGE:
      return "malformed message structure";
    case GMIME_WARN_TRUNCATED_MESSAGE:
      return "truncated message: a header block or MIME part never ends";
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
      return "multipart without a boundary: its parts cannot be told apart";
    case GMIME_CRIT_NESTING_OVERFLOW:
      return "MIME nesting too deep (over 1024 levels): the inner parts are not read";
    default:
      return "";
  }
}

// Encoded bytes of a part as they stand in the message, for checking them.
std::string EncodedBytes(GMimeDataWrapper* content) {
  GMimeStream* stream = g_mime_data_wrapper_get_stream(content);
  if (!stream) return "";
  GPtr<GMimeStream> copy(g_mime_stream_mem_new());
  g_mime_stream_reset(stream);
  g_mime_stream_write_to_stream(stream, copy.get());
  g_mime_stream_reset(stream);
  GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(copy.get()));
  return std::string(reinterpret_cast<const char*>(array->data), array->len);
}

// Base64 that ends inside a 4-character group or holds other characters
// ("IHF1YW50dW0gISEh@@@") decodes to something, but not to what was sent.
bool IsCleanBase64(std::string_view text) {
  size_t count = 0;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '+' || c == '/' || c == '=') ++count;
    else if (c != '\n' && c != '\r' && c != ' ' && c != '\t') return false;
  }
  return count % 4 == 0;
}

// Quoted-printable escapes are "=XX" or a soft line break "=\n"; "=ZZ" or a
// message that ends in "=E" was cut or mangled.
bool IsCleanQuotedPrintable(std::string_view text) {
  for (size_t i = text.find('='); i != std::string_view::npos; i = text.find('=', i + 1)) {
    size_t j = i + 1;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    // "=" at the very end: a soft break before the part's closing boundary.
    if (j >= text.size() || text[j] == '\n' || text[j] == '\r') continue;
    if (i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      continue;
    }
    return false;
  }
  return true;
}

// The bytes after the header block, for mail whose MIME structure is too
// broken to find a text part in.
std::string_view RawBody(std::string_view bytes) {
  const size_t lf = bytes.find("\n\n");
  const size_t crlf = bytes.find("\r\n\r\n");
  if (lf == std::string_view::npos && crlf == std::string_view::npos) return {};
  if (crlf != std::string_view::npos && (lf == std::string_view::npos || crlf < lf)) {
    return bytes.substr(crlf + 4);
  }
  return bytes.substr(lf + 2);
}

// The header block of `bytes` with every field (folded lines included)
// longer than kMaxHeaderField cut to that size before GMime reads it: the
// start of the field is kept, but of References the end (the newest ids).
// Returns false when no field is that long. Notes each cut in `diags`.
bool CutLongHeaderFields(std::string_view bytes, std::string* out,
                         std::vector<std::string>* diags) {
  const std::string_view body = RawBody(bytes);
  const size_t header_end = body.data() ? static_cast<size_t>(body.data() - bytes.data())
                                        : bytes.size();
  if (header_end <= kMaxHeaderField) return false;
  std::string result;
  bool cut = false;
  size_t pos = 0;
  while (pos < header_end) {
    // One field: its first line and the continuation lines after it.
    size_t end = bytes.find('\n', pos);
    while (end != std::string_view::npos && end + 1 < header_end &&
           (bytes[end + 1] == ' ' || bytes[end + 1] == '\t')) {
      end = bytes.find('\n', end + 1);
    }
    end = end == std::string_view::npos ? header_end : std::min(end + 1, header_end);
    std::string_view field = bytes.substr(pos, end - pos);
    pos = end;
    if (field.size() <= kMaxHeaderField) {
      result.append(field);
      continue;
    }
    cut = true;
    const size_t colon = field.find(':');
    const std::string name(field.substr(0, std::min<size_t>(colon, 60)));
    diags->push_back(HeaderText(name, 60) + " header of " + std::to_string(field.size()) +
                     " bytes cut to " + std::to_string(kMaxHeaderField) + " before parsing");
    if (g_ascii_strcasecmp(name.c_str(), "References") == 0) {
      // Keep the newest ids: from a white space near the end.
      std::string_view tail = field.substr(field.size() - kMaxHeaderField);
      const size_t space = tail.find_first_of(" \t\n");
      result += "References:";
      result.append(tail.substr(space == std::string_view::npos ? 0 : space));
    } else {
      std::string_view head = field.substr(0, kMaxHeaderField);
      const size_t space = head.find_last_of(" \t\n");
      if (space != std::string_view::npos && space > colon) head = head.substr(0, space);
      result.append(head);
      result += '\n';
    }
  }
  if (!cut) return false;
  result.append(bytes.substr(header_end));
  *out = std::move(result);
  return true;
}

// What ParseMessage does with a top-level header field: reads it (the
// fields it asks GMime for and the MIME fields that shape the body), keeps
// it only when it appears twice (a field RFC 5322 allows once, which
// listdigest does not read: GMime reports the duplicate), or leaves it out.
enum class FieldUse { kRead, kOnce, kUnread };

bool NameIs(std::string_view name, std::string_view what) {
  return name.size() == what.size() &&
         g_ascii_strncasecmp(name.data(), what.data(), name.size()) == 0;
}

// For kOnce, `*once` is which of To, Cc, Bcc, Reply-To it is.
FieldUse UseOf(std::string_view name, int* once) {
  if (name.size() > 8 && g_ascii_strncasecmp(name.data(), "content-", 8) == 0) {
    return FieldUse::kRead;
  }
  static constexpr std::string_view kRead[] = {"message-id", "subject",     "from",
                                               "sender",     "date",        "in-reply-to",
                                               "references", "mime-version"};
  static constexpr std::string_view kOnce[] = {"to", "cc", "bcc", "reply-to"};
  for (std::string_view read : kRead) {
    if (NameIs(name, read)) return FieldUse::kRead;
  }
  for (int i = 0; i < 4; ++i) {
    if (NameIs(name, kOnce[i])) {
      *once = i;
      return FieldUse::kOnce;
    }
  }
  return FieldUse::kUnread;
}

// The message with the top-level header fields it never reads left out:
// Received, DKIM-Signature, X-*, To, Cc… are most of a list message's
// header block, and GMime builds an object for each (and one for every
// address of a Cc line) only for them to be thrown away. What GMime would
// warn about still reaches it: a header block with a line that is not a
// plain "Name: value" field (or its continuation), or that never ends, is
// left as it is, and a To, Cc, Bcc or Reply-To that appears twice is kept so
// that the duplicate is noticed. Returns false when nothing is left out.
bool DropUnreadHeaders(std::string_view bytes, std::string* out) {
  struct Field {
    size_t begin, end;
    FieldUse use;
    int once;
  };
  std::vector<Field> fields;
  fields.reserve(64);
  int seen[4] = {0, 0, 0, 0};  // To, Cc, Bcc, Reply-To
  size_t pos = 0, dropped = 0;
  while (pos < bytes.size()) {
    const size_t eol = bytes.find('\n', pos);
    if (eol == std::string_view::npos) return false;  // a header block that never ends
    const std::string_view line = bytes.substr(pos, eol - pos);
    if (line.empty() || line == "\r") break;  // the end of the header block
    if ((line[0] == ' ' || line[0] == '\t') && !fields.empty()) {
      fields.back().end = eol + 1;
      pos = eol + 1;
      continue;
    }
    size_t n = 0;
    while (n < line.size() &&
           (g_ascii_isalnum(line[n]) || line[n] == '-' || line[n] == '_' || line[n] == '.')) {
      ++n;
    }
    // Not a plain field: the whole block is GMime's to read as it is.
    if (n == 0 || n >= line.size() || line[n] != ':') return false;
    Field f{pos, eol + 1, FieldUse::kUnread, -1};
    f.use = UseOf(line.substr(0, n), &f.once);
    if (f.use == FieldUse::kOnce) ++seen[f.once];
    fields.push_back(f);
    pos = eol + 1;
  }
  if (pos >= bytes.size()) return false;  // a header block that never ends: GMime says so
  auto keep = [&seen](const Field& f) {
    return f.use == FieldUse::kRead || (f.use == FieldUse::kOnce && seen[f.once] > 1);
  };
  for (const Field& f : fields) dropped += keep(f) ? 0 : 1;
  if (dropped == 0) return false;
  std::string result;
  result.reserve(bytes.size());
  for (const Field& f : fields) {
    if (keep(f)) result.append(bytes.substr(f.begin, f.end - f.begin));
  }
  result.append(bytes.substr(fields.empty() ? 0 : fields.back().end));
  *out = std::move(result);
  return true;
}

// How many lines of `bytes` start a MIME part: "--" and a boundary that a
// "boundary=" parameter declares somewhere in the message. An upper bound
// for the parts GMime would build, found without building them.
size_t CountPartLines(std::string_view bytes) {
  std::set<std::string_view> boundaries;
  // memmem: string_view::find looks at every "o" of the message.
  auto find = [bytes](size_t from) {
    const void* hit = from < bytes.size() ? memmem(bytes.data() + from, bytes.size() - from,
                                                   "oundary=", 8)
                                          : nullptr;
    return hit ? static_cast<size_t>(static_cast<const char*>(hit) - bytes.data())
               : std::string_view::npos;
  };
  for (size_t i = find(0); i != std::string_view::npos; i = find(i + 1)) {
    size_t start = i + 8, stop;
    if (start < bytes.size() && bytes[start] == '"') {
      stop = bytes.find('"', ++start);
    } else {
      stop = bytes.find_first_of(" \t\r\n;", start);
    }
    if (stop == std::string_view::npos) stop = bytes.size();
    if (stop > start) boundaries.insert(bytes.substr(start, stop - start));
  }
  if (boundaries.empty()) return 0;
  size_t count = 0;
  for (size_t pos = 0; pos < bytes.size();) {
    size_t eol = bytes.find('\n', pos);
    if (eol == std::string_view::npos) eol = bytes.size();
    if (eol - pos > 2 && bytes[pos] == '-' && bytes[pos + 1] == '-') {
      std::string_view token = bytes.substr(pos + 2, eol - pos - 2);
      while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t')) {
        token.remove_suffix(1);
      }
      if (token.size() > 2 && token.substr(token.size() - 2) == "--") token.remove_suffix(2);
      count += boundaries.count(token);
    }
    pos = eol + 1;
  }
  return count;
}

// Where the first line that looks like a header ("Name: value") starts, for
// a message whose first lines are garbage (" a continuation line"). Only in
// the first few lines: in 64 KB of binary garbage some line always looks
// like "Xq-7:".
size_t FirstHeaderLine(std::string_view bytes) {
  constexpr size_t kLook = 1024;
  size_t pos = 0;
  while (pos < bytes.size() && pos < kLook) {
    size_t name = pos;
    while (name < bytes.size() &&
           (std::isalnum(static_cast<unsigned char>(bytes[name])) || bytes[name] == '-')) {
      ++name;
    }
    if (name > pos + 1 && name < bytes.size() && bytes[name] == ':') return pos;
    const size_t eol = bytes.find('\n', pos);
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return std::string_view::npos;
}

std::vector<std::string> ParseIds(const char* text) {
  std::vector<std::string> ids;
  if (!text) return ids;
  GMimeReferences* refs = g_mime_references_parse(LooseOptions(), text);
  if (!refs) return ids;
  const int n = g_mime_references_length(refs);
  for (int i = 0; i < n; ++i) {
    const char* id = g_mime_references_get_message_id(refs, i);
    if (id && *id) ids.push_back(HeaderText(id, kMaxId));
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
    a.name = name ? FoldWhiteSpace(Trim(HeaderText(name, kMaxName))) : "";
    a.email = addr ? Trim(HeaderText(addr, kMaxEmail)) : "";
    return a;
  }
  return a;
}

// Converts decoded part bytes in `charset` to UTF-8; on an unknown charset
// or bytes the charset cannot hold, keeps what is valid and notes it.
std::string ToUtf8(std::string_view bytes, const char* charset, std::vector<std::string>* diags) {
  // An empty part's bytes may be a null pointer, which memchr must not get
  // (found by tests/fuzz/mail_fuzz on an `m` holding only a line of JSON).
  if (bytes.empty()) return "";
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
      diags->push_back("text part declared " + HeaderText(name, 60) + " holds invalid bytes");
      return MakeValidUtf8(bytes);
    }
  }
  const char* iconv_name = g_mime_charset_iconv_name(charset);
  GError* error = nullptr;
  gsize written = 0;
  char* out = g_convert(bytes.data(), static_cast<gssize>(bytes.size()), "UTF-8", iconv_name,
                        nullptr, &written, &error);
  if (!out) {
    // The charset name is the mail's, and glib's message repeats it: both
    // are cleaned like header text (found by tests/fuzz/mail_fuzz: a name
    // running into the next header line, with bytes that are no UTF-8).
    diags->push_back("text part in charset " + HeaderText(charset ? charset : "?", 60) +
                     " cannot be converted (" + HeaderText(error ? error->message : "?", 200) +
                     ")");
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
  // GMime decodes what it can of a cut or mangled transfer encoding without
  // a word; say that the text may not be what was sent.
  const GMimeContentEncoding encoding = g_mime_part_get_content_encoding(GMIME_PART(part));
  if (encoding == GMIME_CONTENT_ENCODING_BASE64 && !IsCleanBase64(EncodedBytes(content))) {
    collector->diags->push_back(
        "base64 text part is truncated or holds other characters; what decodes is kept");
  } else if (encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
             !IsCleanQuotedPrintable(EncodedBytes(content))) {
    collector->diags->push_back(
        "quoted-printable text part has broken =XX escapes; they are kept as written");
  }
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

bool IsPersonTrailer(std::string_view kind) {
  return kind != "Fixes" && kind != "Link" && kind != "change-id";
}

std::string MakeValidUtf8(std::string_view bytes) {
  if (bytes.empty()) return "";
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

std::string DiagnosticKind(std::string_view diagnostic) {
  // A phrase each sentence of this file holds, and only that sentence.
  static const std::pair<const char*, const char*> kKinds[] = {
      {" bytes cut to ", "long-header"},         // before "Subject header"
      {"duplicated ", "duplicated-header"},      // before "Subject header"
      {"not a mail message", "not-mail"},
      {"bytes before the first header", "garbage-before-headers"},
      {" NUL bytes replaced", "nul-bytes"},
      {"lines end with a lone CR", "cr-line-endings"},
      {"no Message-ID", "no-message-id"},
      {"Subject header", "no-subject"},
      {"no readable From", "no-from"},
      {"no readable Date", "bad-date"},
      {"text part declared", "charset"},
      {"text part in charset", "charset"},
      {"a text part cannot be decoded", "undecodable-part"},
      {"base64 text part", "bad-base64"},
      {"quoted-printable text part", "bad-quoted-printable"},
      {"HTML only", "html-only"},
      {"no readable text part", "no-text"},
      {"no text part", "no-text"},
      {"References with ", "long-header"},
      {"is no header", "bad-header-line"},
      {"unreadable Content-Type", "bad-content-type"},
      {"malformed encoded word", "bad-encoded-word"},
      {"unreadable address list", "bad-address"},
      {"malformed multipart", "malformed-mime"},
      {"malformed message structure", "malformed-mime"},
      {"multipart without a boundary", "malformed-mime"},
      {"truncated message", "truncated"},
      {"MIME nesting too deep", "nesting-too-deep"},
      {"cannot be read", "unreadable-blob"},
      {"MIME part lines", "too-many-parts"},
      {"trailers or more", "too-many-trailers"},
      {"reference cycle", "reference-cycle"},  // model/build.cc
  };
  for (const auto& [phrase, kind] : kKinds) {
    if (diagnostic.find(phrase) != std::string_view::npos) return kind;
  }
  return "other";
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
  if (a.email.empty() && a.name.empty()) a.name = HeaderText(value, kMaxName);
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
    if (trailers.size() >= kMaxTrailers) break;
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
  if (text.size() > kMaxExcerpt) {
    // Cut at a line end, and say so: the digest is no place for 20 MB.
    const size_t total = text.size();
    size_t end = text.rfind('\n', kMaxExcerpt);
    if (end == std::string::npos || end == 0) end = CutUtf8(text, kMaxExcerpt).size();
    text.resize(end);
    text += "\n[… " + std::to_string(total - end) +
            " more bytes; the whole message is in the archive]";
  }
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
  // NUL bytes end every C string GMime hands back: "Subject: a\0<script>"
  // would lose its tail and "Message-ID: <x\0y>" its domain. They never
  // carry text, so they become U+FFFD before parsing.
  std::string copy;
  std::string_view input = bytes;
  if (const size_t nuls = static_cast<size_t>(std::count(bytes.begin(), bytes.end(), '\0'))) {
    copy.reserve(bytes.size() + 2 * nuls);
    for (char c : bytes) {
      if (c == '\0') copy += kReplacementChar;
      else copy += c;
    }
    input = copy;
    m.diagnostics.push_back(std::to_string(nuls) + " NUL bytes replaced by U+FFFD");
  }
  // Old Mac mail ends lines with a lone CR; GMime would read it as one
  // endless From: header.
  if (input.find('\n') == std::string_view::npos && input.find('\r') != std::string_view::npos) {
    if (copy.empty()) copy.assign(input);
    std::replace(copy.begin(), copy.end(), '\r', '\n');
    input = copy;
    m.diagnostics.push_back("lines end with a lone CR; read as line feeds");
  }
  // Bounds on what GMime builds, in time and memory (see kMaxHeaderField).
  std::string shortened;
  if (CutLongHeaderFields(input, &shortened, &m.diagnostics)) {
    copy = std::move(shortened);
    input = copy;
  }
  std::string_view parse_input = input;
  const size_t part_lines = CountPartLines(input);
  const bool raw_body_only = part_lines > kMaxParts;
  if (raw_body_only) {
    parse_input = input.substr(0, static_cast<size_t>(RawBody(input).data() - input.data()));
    m.diagnostics.push_back(std::to_string(part_lines) + " MIME part lines (over " +
                            std::to_string(kMaxParts) + "): the body is kept raw");
  }

  ParserWarnings warnings;
  std::unique_ptr<GMimeParserOptions, ParserOptionsDeleter> options(
      g_mime_parser_options_clone(LooseOptions()));
  g_mime_parser_options_set_warning_callback(options.get(), OnParserWarning, &warnings);
  std::string filtered;
  auto construct = [&options, &filtered](std::string_view text) {
    if (DropUnreadHeaders(text, &filtered)) text = filtered;
    GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(text.data(), text.size()));
    GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
    return GPtr<GMimeMessage>(g_mime_parser_construct_message(parser.get(), options.get()));
  };
  GPtr<GMimeMessage> message = construct(parse_input);
  if (!message) {
    // Garbage before the first header (" a continuation line", "From nobody"
    // without an mbox around it): read from the first "Name: value" line.
    const size_t first = FirstHeaderLine(input);
    if (first != std::string_view::npos && first > 0) {
      warnings.clear();
      message = construct(input.substr(first));
      if (message) {
        input = input.substr(first);
        m.diagnostics.push_back("skipped " + std::to_string(first) +
                                " bytes before the first header");
      }
    }
  }
  if (!message) {
    m.diagnostics.push_back("not a mail message (no headers could be read)");
  } else {
    GMimeObject* object = GMIME_OBJECT(message.get());
    if (const char* raw_id = FirstHeader(object, "Message-ID")) {
      GString_ id(g_mime_utils_decode_message_id(raw_id));
      const std::string full =
          CleanText(MakeValidUtf8(id && *id.get() ? std::string(id.get()) : StripAngles(raw_id)),
                    true);
      m.message_id = CutUtf8(full, kMaxId);
      if (full.size() > kMaxId) {
        m.diagnostics.push_back("Message-ID of " + std::to_string(full.size()) + " bytes cut to " +
                                std::to_string(m.message_id.size()));
      }
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
      const std::string full = CleanText(MakeValidUtf8(text.substr(start)), true);
      m.raw_subject = CutUtf8(full, kMaxSubject);
      if (full.size() > kMaxSubject) {
        m.diagnostics.push_back("Subject of " + std::to_string(full.size()) + " bytes cut to " +
                                std::to_string(m.raw_subject.size()));
      }
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
    // The first Date header, like the first Subject: GMime's own date is
    // the last one of a message that has two.
    const char* raw_date = FirstHeader(object, "Date");
    if (GDateTime* date = raw_date ? g_mime_utils_header_decode_date(raw_date) : nullptr) {
      m.date = g_date_time_to_unix(date);
      g_date_time_unref(date);
    } else {
      m.diagnostics.push_back("no readable Date header");
    }
    std::vector<std::string> irt = ParseIds(FirstHeader(object, "In-Reply-To"));
    if (!irt.empty()) m.in_reply_to = irt.front();
    m.references = ParseIds(FirstHeader(object, "References"));
    if (m.references.size() > kMaxReferences) {
      // The newest ids find the parent; the rest only make every lookup slower.
      m.diagnostics.push_back("References with " + std::to_string(m.references.size()) +
                              " ids; the newest " + std::to_string(kMaxReferences) + " kept");
      m.references.erase(m.references.begin(), m.references.end() - kMaxReferences);
    }
    int html_parts = 0;
    if (GMimeObject* mime = g_mime_message_get_mime_part(message.get())) {
      BodyCollector collector{{}, &m.diagnostics, 0};
      g_mime_message_foreach(message.get(), CollectPart, &collector);
      // A message that is a single part has no children to visit.
      if (GMIME_IS_PART(mime) && collector.body.empty() && IsBodyPart(mime)) {
        CollectPart(nullptr, mime, &collector);
      }
      m.body = std::move(collector.body);
      html_parts = collector.html_parts;
      if (m.body.empty() && html_parts > 0) {
        m.diagnostics.push_back("HTML only: no text/plain part");
      }
    }
    // The headers alone of a multipart end early; that is no news.
    if (raw_body_only) warnings.clear();
    bool broken_structure = raw_body_only;
    for (const auto& [key, item] : warnings) {
      std::string sentence = WarningSentence(key.first, item);
      if (sentence.empty() || std::find(m.diagnostics.begin(), m.diagnostics.end(), sentence) !=
                                  m.diagnostics.end()) {
        continue;
      }
      m.diagnostics.push_back(std::move(sentence));
      broken_structure = broken_structure || key.first != GMIME_CRIT_CONFLICTING_HEADER;
    }
    const std::string_view raw_body = RawBody(input);
    if (m.body.empty() && html_parts == 0 &&
        raw_body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
      if (broken_structure) {
        // A multipart without a boundary, or one whose boundary never
        // appears, hides its text from GMime: keep the raw body instead,
        // as a reader of the archive would see it.
        std::vector<std::string> ignored;
        m.body = ToUtf8(raw_body, nullptr, &ignored);
        m.body.erase(std::remove(m.body.begin(), m.body.end(), '\r'), m.body.end());
        m.diagnostics.push_back("no readable text part; the raw body is kept");
      } else {
        m.diagnostics.push_back("no text part (only attachments of other types)");
      }
    }
    m.body = CleanText(m.body, false);
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
  if (m.trailers.size() >= kMaxTrailers) {
    m.diagnostics.push_back(std::to_string(kMaxTrailers) +
                            " trailers or more; the rest are not read");
  }
  return m;
}

}  // namespace listdigest::mail
