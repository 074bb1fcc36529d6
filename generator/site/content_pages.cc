// content/*.md: front matter, Markdown, the pages site/<name>/index.html, and
// the fields every page gets from where it is (navigation, canonical URL,
// the static files' version).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "render/markdown.h"
#include "site/content.h"
#include "site/context.h"

namespace listdigest::site {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The site's own folders: a content page of that name would be written
// over them.
const std::set<std::string> kReserved = {"digests", "series", "contributors", "search", "static"};

std::string Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return "";
  const size_t end = s.find_last_not_of(" \t\r");
  return std::string(s.substr(begin, end - begin + 1));
}

// "About", or "\"Why: a list\"" -> Why: a list.
std::string Unquote(const std::string& value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 100 || !std::isalnum(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

// "about" -> "About", "code-of-conduct" -> "Code of conduct".
std::string TitleOfName(const std::string& name) {
  std::string title = name;
  std::replace(title.begin(), title.end(), '-', ' ');
  std::replace(title.begin(), title.end(), '_', ' ');
  if (!title.empty())
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
  return title;
}

// Which built-in section a page is in, from its path: "series/x/index.html"
// is in "series".
std::string SectionOf(const std::string& path) {
  const size_t slash = path.find('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

}  // namespace

bool ParseContentPage(const std::string& file, const std::string& name, const std::string& text,
                      ContentPage* page, std::string* err) {
  ContentPage p;
  p.name = name;
  p.file = file;
  std::string_view body = text;
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);  // a byte order mark
  auto line_end = [&body](size_t at) {
    const size_t nl = body.find('\n', at);
    return nl == std::string_view::npos ? body.size() : nl;
  };
  if (Trim(body.substr(0, line_end(0))) == "---") {
    size_t at = line_end(0) + 1;
    int line = 2;
    bool closed = false;
    for (; at < body.size(); ++line) {
      const size_t end = line_end(at);
      const std::string row = Trim(body.substr(at, end - at));
      at = end + 1;
      if (row == "---") {
        closed = true;
        break;
      }
      if (row.empty() || row[0] == '#') continue;
      const std::string where = file + ":" + std::to_string(line) + ": ";
      const size_t colon = row.find(':');
      if (colon == std::string::npos) {
        *err = where + "front matter lines are \"key: value\", not \"" + row.substr(0, 60) +
               "\"; known keys: title, nav, description";
        return false;
      }
      const std::string key = Trim(row.substr(0, colon));
      const std::string value = Unquote(Trim(row.substr(colon + 1)));
      if (key == "title") {
        p.title = value;
      } else if (key == "description") {
        p.description = value;
      } else if (key == "nav") {
        const bool digits = !value.empty() && value.size() <= 4 &&
                            std::all_of(value.begin(), value.end(),
                                        [](unsigned char c) { return std::isdigit(c); });
        const int n = digits ? std::stoi(value) : 0;
        if (n < 1 || n > 1000) {
          *err = where +
                 "nav must be a whole number from 1 to 1000 (the page's place in the "
                 "navigation), not \"" +
                 value.substr(0, 40) + "\"";
          return false;
        }
        p.nav = n;
      } else {
        *err = where + "unknown front matter key '" + key.substr(0, 40) +
               "'; known keys: title, nav, description";
        return false;
      }
    }
    if (!closed) {
      *err = file + ":1: the front matter is not closed; end it with a line of three dashes (---)";
      return false;
    }
    body.remove_prefix(std::min(at, body.size()));
  }
  const render::Markdown md = render::RenderMarkdown(body);
  p.html = md.html;
  p.has_heading = !md.title.empty();
  if (p.title.empty()) p.title = p.has_heading ? md.title : TitleOfName(name);
  *page = std::move(p);
  return true;
}

bool LoadContentPages(const std::string& dir, std::vector<ContentPage>* pages, std::string* err) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".md" && e.is_regular_file(ec)) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<ContentPage> out;
  for (const fs::path& path : files) {
    const std::string name = path.stem().string();
    const std::string file = path.lexically_normal().string();
    if (!ValidName(name)) {
      *err = file +
             ": a content page's name becomes its folder in the site: use letters, digits, "
             "\"-\" and \"_\" (about.md, code-of-conduct.md)";
      return false;
    }
    if (kReserved.count(name)) {
      *err = file + ": the site has its own " + name + "/ folder; rename the page (" + name +
             "-notes.md, about-" + name + ".md)";
      return false;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      *err = file + ": cannot be read";
      return false;
    }
    ContentPage page;
    if (!ParseContentPage(file, name, text.str(), &page, err)) return false;
    out.push_back(std::move(page));
  }
  *pages = std::move(out);
  return true;
}

std::vector<const ContentPage*> NavPages(const std::vector<ContentPage>& pages) {
  std::vector<const ContentPage*> nav;
  for (const auto& p : pages) {
    if (p.nav > 0 && p.name != "index") nav.push_back(&p);
  }
  std::stable_sort(nav.begin(), nav.end(),
                   [](const ContentPage* x, const ContentPage* y) { return x->nav < y->nav; });
  return nav;
}

const ContentPage* HomeIntroduction(const std::vector<ContentPage>& pages) {
  for (const auto& p : pages) {
    if (p.name == "index") return &p;
  }
  return nullptr;
}

json PageFields(const Site& site, const std::string& path, const std::string& root) {
  json fields = json::object();
  fields["asset_version"] = site.theme.asset_version();
  std::string canonical;
  if (!site.config.base_url.empty() && path != "404.html") {
    canonical = site.config.base_url + path;
    if (canonical.size() >= 10 && canonical.compare(canonical.size() - 10, 10, "index.html") == 0) {
      canonical.erase(canonical.size() - 10);
    }
  }
  fields["canonical_url"] = canonical;
  fields["is_home"] = path == "index.html";
  const std::string section = SectionOf(path);
  json nav = json::array();
  auto add = [&](const std::string& name, const std::string& title) {
    const std::string target = name + "/index.html";
    nav.push_back({{"name", name},
                   {"title", title},
                   {"url", root + target},
                   {"current", path == target},
                   {"active", section == name}});
  };
  add("digests", "Digests");
  add("series", "Series");
  add("contributors", "Contributors");
  for (const ContentPage* p : NavPages(site.content)) add(p->name, p->title);
  fields["nav"] = nav;
  return fields;
}

model::Hash128 PageFieldsSalt(const Site& site) {
  model::Hasher h;
  h.UpdateField(site.theme.asset_version());
  h.UpdateField(site.config.base_url);
  const std::vector<const ContentPage*> nav = NavPages(site.content);
  h.UpdateField(std::to_string(nav.size()));
  for (const ContentPage* p : nav) {
    h.UpdateField(p->name);
    h.UpdateField(p->title);
  }
  return h.Finish();
}

json ContentPageView(const pages::SiteInfo& info, const ContentPage& page) {
  json view = pages::PageBase(info, "../", page.title);
  view["title"] = page.title;
  view["name"] = page.name;
  view["description"] = page.description;
  view["html"] = page.html;
  view["has_heading"] = page.has_heading;
  return view;
}

void WriteContentPages(BuildContext& ctx) {
  for (const ContentPage& p : ctx.site.content) {
    if (p.name != "index")
      ctx.out.Render(p.name + "/index.html", "page", ContentPageView(ctx.info, p));
  }
}

}  // namespace listdigest::site
