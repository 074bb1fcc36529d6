#include "hostile/page_checks.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "mail/message.h"
#include "support.h"

namespace listdigest::testing {
namespace {

namespace fs = std::filesystem;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Decodes the character references a browser decodes in an attribute value
// before it reads a URL: "java&#115;cript:" is "javascript:".
std::string DecodeEntities(const std::string& value) {
  static const std::map<std::string, std::string> kNamed = {
      {"amp", "&"},   {"lt", "<"},   {"gt", ">"},       {"quot", "\""}, {"apos", "'"},
      {"colon", ":"}, {"tab", "\t"}, {"newline", "\n"}, {"sol", "/"}};
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '&') {
      out += value[i];
      continue;
    }
    const size_t semi = value.find(';', i);
    if (semi == std::string::npos || semi - i > 12) {
      out += value[i];
      continue;
    }
    const std::string ref = value.substr(i + 1, semi - i - 1);
    if (!ref.empty() && ref[0] == '#') {
      const bool hex = ref.size() > 1 && (ref[1] == 'x' || ref[1] == 'X');
      const long code = std::strtol(ref.c_str() + (hex ? 2 : 1), nullptr, hex ? 16 : 10);
      out += code > 0 && code < 128 ? static_cast<char>(code) : '?';
    } else if (auto it = kNamed.find(Lower(ref)); it != kNamed.end()) {
      out += it->second;
    } else {
      out += value.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

// The scheme a browser would follow for a URL attribute, lower-cased, after
// dropping the white space and control characters it ignores; "" for a
// relative URL.
std::string Scheme(const std::string& raw) {
  std::string url;
  for (char c : DecodeEntities(raw)) {
    if (static_cast<unsigned char>(c) > 0x20) url += c;
  }
  const size_t colon = url.find(':');
  const size_t stop = url.find_first_of("/?#");
  if (colon == std::string::npos || (stop != std::string::npos && stop < colon)) return "";
  return Lower(url.substr(0, colon));
}

struct Tag {
  std::string name;                                             // lower-cased; "/p" for an end tag
  std::vector<std::pair<std::string, std::string>> attributes;  // names lower-cased
  size_t end = 0;                                               // just after '>'
};

// Reads the tag starting at html[at] == '<'. Returns false at a '<' that
// starts no tag (which escaped text never holds, but a browser reads as text).
bool ReadTag(const std::string& html, size_t at, Tag* tag) {
  size_t i = at + 1;
  const bool closing = i < html.size() && html[i] == '/';
  if (closing) ++i;
  if (i >= html.size() || !std::isalpha(static_cast<unsigned char>(html[i]))) return false;
  size_t name_end = i;
  while (name_end < html.size() && !IsSpace(html[name_end]) && html[name_end] != '>' &&
         html[name_end] != '/') {
    ++name_end;
  }
  tag->name = (closing ? "/" : "") + Lower(html.substr(i, name_end - i));
  tag->attributes.clear();
  i = name_end;
  while (i < html.size()) {
    while (i < html.size() && (IsSpace(html[i]) || html[i] == '/')) ++i;
    if (i >= html.size()) break;
    if (html[i] == '>') {
      tag->end = i + 1;
      return true;
    }
    size_t n = i;
    while (n < html.size() && !IsSpace(html[n]) && html[n] != '=' && html[n] != '>' &&
           html[n] != '/') {
      ++n;
    }
    if (n == i) ++n;  // a stray '=' starts an attribute name in HTML
    std::string name = Lower(html.substr(i, n - i));
    i = n;
    while (i < html.size() && IsSpace(html[i])) ++i;
    std::string value;
    if (i < html.size() && html[i] == '=') {
      ++i;
      while (i < html.size() && IsSpace(html[i])) ++i;
      if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
        const size_t close = html.find(html[i], i + 1);
        const size_t stop = close == std::string::npos ? html.size() : close;
        value = html.substr(i + 1, stop - i - 1);
        i = stop + 1;
      } else {
        size_t v = i;
        while (v < html.size() && !IsSpace(html[v]) && html[v] != '>') ++v;
        value = html.substr(i, v - i);
        i = v;
      }
    }
    tag->attributes.emplace_back(std::move(name), std::move(value));
  }
  tag->end = html.size();
  return true;
}

bool IsThemeScript(const std::string& src) {
  // "../../static/search.js", "static/contributors.js", or from the site's
  // root in 404.html: "/lists/kvm/static/search.js"; each may carry the
  // theme's cache-busting version: "static/search.js?v=115a284904ff".
  size_t i = 0;
  while (src.compare(i, 3, "../") == 0) i += 3;
  if (i == 0 && src.size() > 1 && src[0] == '/' && src[1] != '/') {
    const size_t at = src.find("/static/");
    if (at == std::string::npos || src.find(':') != std::string::npos) return false;
    i = at + 1;
  }
  if (src.compare(i, 7, "static/") != 0) return false;
  std::string file = src.substr(i + 7);
  const size_t query = file.find("?v=");
  if (query != std::string::npos) {
    const std::string version = file.substr(query + 3);
    if (version.empty() || !std::all_of(version.begin(), version.end(),
                                        [](unsigned char c) { return std::isalnum(c) != 0; })) {
      return false;
    }
    file.resize(query);
  }
  if (file.size() < 4 || file.compare(file.size() - 3, 3, ".js") != 0) return false;
  return std::all_of(file.begin(), file.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

Problems CheckHtml(const std::string& name, const std::string& html) {
  // The theme's inline SVG (sparklines) is fine: its tags go through the
  // same checks; a foreignObject could carry HTML into it.
  static const std::set<std::string> kEmbedding = {"iframe",   "object", "embed", "frame",
                                                   "frameset", "applet", "base",  "foreignobject",
                                                   "style",    "portal"};
  static const std::set<std::string> kUrlAttributes = {
      "href",       "src",  "action",   "formaction", "xlink:href", "data",     "poster",
      "background", "cite", "longdesc", "srcset",     "ping",       "manifest", "codebase"};
  Problems problems;
  bool csp = false;
  for (size_t i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
    if (html.compare(i, 4, "<!--") == 0) {
      const size_t end = html.find("-->", i + 4);
      if (end == std::string::npos) {
        problems.push_back(name + ": unclosed comment");
        break;
      }
      i = end + 2;
      continue;
    }
    if (html.compare(i, 2, "<!") == 0 || html.compare(i, 2, "<?") == 0) {
      const size_t end = html.find('>', i);
      if (end == std::string::npos) break;
      i = end;
      continue;
    }
    Tag tag;
    if (!ReadTag(html, i, &tag)) continue;
    auto attribute = [&tag](const char* key) -> const std::string* {
      for (const auto& [k, v] : tag.attributes) {
        if (k == key) return &v;
      }
      return nullptr;
    };
    if (tag.name == "script") {
      const std::string* src = attribute("src");
      if (!src || !IsThemeScript(*src)) {
        problems.push_back(name + ": a <script> that is not the theme's: " +
                           html.substr(i, std::min<size_t>(tag.end - i, 120)));
      }
      // A script's content is raw text up to "</script".
      size_t close = Lower(html.substr(tag.end, 4096)).find("</script");
      const std::string inline_code =
          close == std::string::npos ? html.substr(tag.end) : html.substr(tag.end, close);
      if (inline_code.find_first_not_of(" \t\r\n") != std::string::npos) {
        problems.push_back(name + ": inline script code: " + inline_code.substr(0, 120));
      }
      i = close == std::string::npos ? html.size() : tag.end + close;
      continue;
    }
    if (kEmbedding.count(tag.name)) problems.push_back(name + ": <" + tag.name + "> element");
    if (tag.name == "meta") {
      const std::string* equiv = attribute("http-equiv");
      if (equiv && Lower(*equiv) == "content-security-policy") {
        const std::string* content = attribute("content");
        csp = csp || (content && content->find("script-src 'self'") != std::string::npos &&
                      content->find("unsafe-inline") == std::string::npos);
      } else if (equiv) {
        problems.push_back(name + ": <meta http-equiv=\"" + *equiv + "\">");
      }
    }
    for (const auto& [key, value] : tag.attributes) {
      if (key.size() > 2 && key.compare(0, 2, "on") == 0) {
        problems.push_back(name + ": event handler " + key + "=\"" + value.substr(0, 80) + "\"");
      }
      if (kUrlAttributes.count(key)) {
        const std::string scheme = Scheme(value);
        if (!scheme.empty() && scheme != "http" && scheme != "https" && scheme != "mailto") {
          problems.push_back(name + ": " + key + " with scheme " + scheme + ": " +
                             value.substr(0, 80));
        }
      }
      if (key == "style") {
        const std::string style = Lower(DecodeEntities(value));
        if (style.find("javascript:") != std::string::npos ||
            style.find("expression(") != std::string::npos ||
            style.find("url(") != std::string::npos) {
          problems.push_back(name + ": style attribute " + value.substr(0, 80));
        }
      }
    }
    i = tag.end - 1;
  }
  if (!csp)
    problems.push_back(name + ": no Content-Security-Policy meta tag without inline scripts");
  return problems;
}

Problems CheckText(const std::string& name, const std::string& text) {
  Problems problems;
  if (mail::MakeValidUtf8(text) != text) problems.push_back(name + ": invalid UTF-8");
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    std::string what;
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\f') || c == 0x7F) {
      what = "control character " + std::to_string(c);
    } else if (c == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      what = "C1 control character";
    } else if (c == 0xE2 && i + 2 < text.size()) {
      const unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
      const unsigned char c2 = static_cast<unsigned char>(text[i + 2]);
      if ((c1 == 0x80 && c2 >= 0xAA && c2 <= 0xAE) || (c1 == 0x81 && c2 >= 0xA6 && c2 <= 0xA9)) {
        what = "bidirectional control character";
      }
    }
    if (!what.empty()) {
      problems.push_back(name + ": " + what + " at byte " + std::to_string(i));
      break;
    }
  }
  return problems;
}

Problems CheckTree(const std::string& site, std::vector<std::string>* files) {
  Problems problems;
  std::error_code ec;
  const fs::path root = fs::canonical(site, ec);
  if (ec) return {site + ": " + ec.message()};
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::end(it); it.increment(ec)) {
    if (ec) {
      problems.push_back(site + ": " + ec.message());
      break;
    }
    const fs::path& path = it->path();
    const std::string relative = fs::relative(path, root).generic_string();
    const std::string file = path.filename().string();
    // Mail never names a hidden file; the generator's own bookkeeping at
    // the top (".listdigest-manifest") may.
    const bool own = it.depth() == 0 && file.rfind(".listdigest-", 0) == 0;
    const bool sane =
        !file.empty() && file.size() <= 128 &&
        (std::isalnum(static_cast<unsigned char>(file[0])) || file[0] == '_' || own) &&
        std::all_of(file.begin(), file.end(), [](unsigned char c) {
          return c < 128 && (std::isalnum(c) || c == '.' || c == '_' || c == '-');
        });
    if (!sane) problems.push_back(relative + ": odd file name");
    if (it->is_symlink()) problems.push_back(relative + ": symbolic link");
    const fs::path resolved = fs::weakly_canonical(path, ec);
    const std::string r = resolved.string(), base = root.string() + "/";
    if (r.compare(0, base.size(), base) != 0) problems.push_back(relative + ": outside the site");
    if (it->is_regular_file())
      files->push_back(relative);
    else if (!it->is_directory())
      problems.push_back(relative + ": neither file nor folder");
  }
  std::sort(files->begin(), files->end());
  return problems;
}

Measured RunMeasured(const std::vector<std::string>& argv) {
  // A child forked from this (large) test process starts with the test's
  // resident pages, and exec keeps that high-water mark in ru_maxrss; so
  // the program runs under a small python3 that reports its child's
  // rusage: the peak is the program's own (plus python's ~10 MB at most).
  // Under ASan (scripts/test) freed memory waits in a 256 MB quarantine
  // before reuse, which the peak would count: the measured run has none.
  static const char* kMeasure =
      "import os, resource, subprocess, sys, time\n"
      "env = dict(os.environ)\n"
      "env['ASAN_OPTIONS'] = ':'.join(filter(None, [env.get('ASAN_OPTIONS'), "
      "'quarantine_size_mb=0']))\n"
      "start = time.monotonic()\n"
      "with open(sys.argv[1], 'wb') as log:\n"
      "    r = subprocess.run(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT, env=env)\n"
      "wall = time.monotonic() - start\n"
      "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
      "print(r.returncode, wall, u.ru_utime + u.ru_stime, u.ru_maxrss)\n";
  Measured m;
  char log_template[] = "/tmp/listdigest-run-XXXXXX";
  const int log = mkstemp(log_template);
  if (log < 0) return m;
  close(log);
  auto quote = [](const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  std::string command = "python3 -c " + quote(kMeasure) + " " + quote(log_template);
  for (const auto& a : argv) command += " " + quote(a);
  std::string out;
  if (Run(command, &out, false) == 0) {
    std::istringstream fields(out);
    fields >> m.status >> m.wall_seconds >> m.cpu_seconds >> m.max_rss_kb;
    if (m.status < 0) m.status = -1;  // killed by a signal
  }
  m.output = ReadFile(log_template);
  unlink(log_template);
  return m;
}

}  // namespace listdigest::testing
