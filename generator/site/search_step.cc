// The search build step: every series version, patch, reply, digest and
// contributor becomes a search document (search/index.h), and the index
// files and the search page go to site/search/.
#include <algorithm>
#include <array>
#include <cctype>

#include "mail/subject.h"
#include "pages/views.h"
#include "search/index.h"
#include "site/cache.h"
#include "site/context.h"

namespace listdigest::site {
namespace {

// A cover letter can be long (a whole design document); its start says
// what it is about.
constexpr size_t kMaxBodyBytes = 16 * 1024;

std::string_view Cut(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  while (max > 0 && (static_cast<unsigned char>(text[max]) & 0xC0) == 0x80) --max;
  return text.substr(0, max);
}

// The Date: of a message, or its commit time when the date is missing or
// more than two days ahead of it (a clock in the future must not put a
// message above every recent one).
int64_t DateOf(const model::MessageFacts& m) {
  return m.date > 0 && m.date <= m.time + 2 * 86400 ? m.date : m.time;
}

std::string AuthorTerms(const model::Person& p) {
  std::string terms = p.name;
  for (const auto& email : p.emails) terms += " " + email;
  if (std::find(p.emails.begin(), p.emails.end(), p.email) == p.emails.end()) {
    terms += " " + p.email;
  }
  return terms;
}

// A message's author as its own From: (or From: in the body) names them,
// and their address after the mailmap: as lore's f: does, a message is
// found by the name and address it was sent with. The person's display
// name and other addresses change as they write more, and with them every
// document of theirs, which a new build would then index again.
std::array<std::string_view, 3> MessageAuthorTerms(const model::MessageFacts& m,
                                                   const model::Person& p) {
  const mail::Address& as_written = *m.author_as_written;
  const bool same = as_written.email.size() == p.email.size() &&
                    std::equal(p.email.begin(), p.email.end(), as_written.email.begin(),
                               [](char x, char y) { return x == std::tolower(static_cast<unsigned char>(y)); });
  return {as_written.name, as_written.email, same ? std::string_view() : std::string_view(p.email)};
}

std::string Count(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::pair<size_t, size_t> WriteSearchIndex(BuildContext& ctx) {
  const model::Archive& a = ctx.archive;
  const bool message_links = !ctx.info.message_url.empty();
  // Documents are made when the index needs them, as views: the text they
  // show or index that the model does not hold as such is made here once,
  // per person, series and digest.
  std::vector<std::string> author_terms(a.people.size()), person_links(a.people.size());
  for (size_t p = 0; p < a.people.size(); ++p) {
    author_terms[p] = AuthorTerms(a.people[p]);
    person_links[p] = pages::PersonPath(a.people[p]);
  }
  std::vector<std::string> series_links(a.series.size());
  for (size_t s = 0; s < a.series.size(); ++s) series_links[s] = pages::SeriesPath(a.series[s]);
  std::vector<std::string> digest_titles(ctx.digests.size()), digest_links(ctx.digests.size());
  for (size_t g = 0; g < ctx.digests.size(); ++g) {
    digest_titles[g] = ctx.info.list + " digest " + ctx.digests[g].range.id;
    digest_links[g] = "digests/" + ctx.digests[g].range.id + "/";
  }

  struct Activity {
    size_t messages = 0, patches = 0;
    int64_t first = 0, last = 0;
  };
  std::vector<Activity> activity(a.people.size());
  std::vector<bool> is_head(a.messages.size(), false);
  for (const model::SeriesVersion& v : a.versions) is_head[v.head] = true;

  // The documents in the order they are made: versions, messages that lead
  // no version, contributors, digests. `source` is what each kind is made from.
  std::vector<search::DocumentOrder> orders;
  orders.reserve(a.versions.size() + a.messages.size() + a.people.size() + ctx.digests.size());
  for (size_t v = 0; v < a.versions.size(); ++v) {
    orders.push_back({DateOf(a.messages[a.versions[v].head]), 'v', v});
  }
  for (size_t i = 0; i < a.messages.size(); ++i) {
    const model::MessageFacts& m = a.messages[i];
    const int64_t date = DateOf(m);
    if (m.author >= 0) {
      Activity& act = activity[m.author];
      act.first = act.messages == 0 ? date : std::min(act.first, date);
      act.last = act.messages == 0 ? date : std::max(act.last, date);
      ++act.messages;
      act.patches += m.is_patch() ? 1 : 0;
    }
    if (is_head[i]) continue;
    orders.push_back({date, m.is_patch() ? 'p' : m.is_reply() ? 'r' : 'm', i});
  }
  for (size_t p = 0; p < a.people.size(); ++p) {
    // Only named in a trailer: no document. Dated by the first message, not
    // the last: a document keeps its number as its author writes more, and
    // with it every document page after it, which a new build would
    // otherwise all rewrite.
    if (activity[p].messages > 0) orders.push_back({activity[p].first, 'c', p});
  }
  for (size_t g = 0; g < ctx.digests.size(); ++g) {
    const model::Digest& digest = ctx.digests[g];
    if (!digest.messages.empty()) orders.push_back({a.messages[digest.messages.back()].time, 'd', g});
  }

  // BuildIndex sorts a copy; `make` reads these, by their number here.
  const std::vector<search::DocumentOrder>& made = orders;
  auto make = [&](size_t index) {
    const search::DocumentOrder& o = made[index];
    search::Document d;
    d.kind = o.kind;
    d.date = o.date;
    d.source = o.source;
    if (o.kind == 'v') {
      const model::SeriesVersion& v = a.versions[o.source];
      const model::MessageFacts& head = a.messages[v.head];
      d.source = static_cast<uint64_t>(v.head);  // for body_of: the cover letter's text
      // The body is a function of the commit (its message), and its kind.
      d.body_key = head.commit.key();
      d.title = head.subject.text;
      d.author = a.people[v.author].name;
      d.author_terms = MessageAuthorTerms(head, a.people[v.author]);
      d.series_title = a.series[v.series].title;
      d.state = model::StateName(v.state);
      d.link = series_links[v.series];
    } else if (o.kind == 'c') {
      const model::Person& person = a.people[o.source];
      const Activity& act = activity[o.source];
      d.title = person.name;
      d.author = person.name;
      d.author_terms = {author_terms[o.source]};
      d.link = person_links[o.source];
      d.snippet = person.email + " · " + Count(act.messages, "message", "messages") + ", " +
                  Count(act.patches, "patch", "patches") + " · " +
                  pages::IsoTime(act.first).substr(0, 10) + " – " +
                  pages::IsoTime(act.last).substr(0, 10);
    } else if (o.kind == 'd') {
      const model::Digest& digest = ctx.digests[o.source];
      const nlohmann::json s = pages::DigestSummary(a, digest);
      d.title = digest_titles[o.source];
      d.link = digest_links[o.source];
      d.snippet = s["start"].get<std::string>() + " – " + s["end"].get<std::string>() + ": " +
                  Count(digest.messages.size(), "message", "messages") + ", " +
                  Count(digest.patches, "patch", "patches") + ", " +
                  Count(digest.replies, "reply", "replies") + ", " +
                  Count(digest.versions.size(), "series posting", "series postings");
    } else {
      const model::MessageFacts& m = a.messages[o.source];
      d.body_key = m.commit.key();  // as for 'v', whose body is another text of the message
      d.title = m.subject.text;
      if (m.author >= 0) {
        d.author = a.people[m.author].name;
        d.author_terms = MessageAuthorTerms(m, a.people[m.author]);
      }
      const int series = m.version >= 0 ? a.versions[m.version].series : -1;
      if (series >= 0) d.series_title = a.series[series].title;
      if (message_links)
        d.link = m.message_id;
      else if (series >= 0)
        d.link = series_links[series];
    }
    return d;
  };

  search::IndexOptions options;
  options.list = ctx.info.list;
  options.message_url = ctx.info.message_url;
  options.jobs = ctx.jobs;
  options.term_cache = ctx.cache ? ctx.cache->terms() : nullptr;  // waits for terms.bin
  // Bodies are read back from the archive's text store as they are indexed:
  // a series' cover letter, a message's description.
  options.body_of = [&a](const search::Document& d) -> std::string {
    if (d.kind == 'c' || d.kind == 'd') return "";
    const model::MessageFacts& m = a.messages[d.source];
    if (d.kind == 'v') return std::string(Cut(a.Excerpt(m), kMaxBodyBytes));
    return a.Description(m);
  };
  // A document page made from the same documents as last time is kept.
  options.keep_page = [&ctx](const std::string& path, const model::Hash128& input) {
    const std::string file = "search/" + path;
    return ctx.out.KeepIfUnchanged({{file, ctx.out.KeyedInput(file, "", input)}});
  };
  // So is a segment's set of term shards.
  options.keep_files = [&ctx](const std::vector<std::string>& paths, const model::Hash128& input) {
    std::vector<std::pair<std::string, model::Hash128>> files;
    files.reserve(paths.size());
    for (const std::string& path : paths) {
      std::string file = "search/" + path;
      const model::Hash128 keyed = ctx.out.KeyedInput(file, "", input);
      files.emplace_back(std::move(file), keyed);
    }
    return ctx.out.KeepIfUnchanged(files);
  };
  // Files are written as the index makes them, a few hundred at a time on
  // every thread: the whole index is never in memory at once.
  std::vector<search::IndexFile> pending;
  auto flush = [&] {
    ParallelFor(pending.size(), ctx.jobs, [&](size_t i) {
      const std::string file = "search/" + pending[i].path;
      const model::Hash128 input = pending[i].input == model::Hash128{}
                                       ? model::Hash128{}
                                       : ctx.out.KeyedInput(file, "", pending[i].input);
      ctx.out.Write(file, pending[i].bytes, input);
    });
    pending.clear();
  };
  search::IndexStats stats;
  search::BuildIndex(orders, make, options, [&](search::IndexFile&& file) {
    pending.push_back(std::move(file));
    if (pending.size() >= 256) flush();
  }, &stats);
  flush();
  if (options.term_cache) options.term_cache->ReleaseLoaded();

  nlohmann::json view = pages::PageBase(ctx.info, "../", "Search");
  ctx.out.Render("search/index.html", "search", view);
  return {stats.segments, stats.segments_kept};
}

}  // namespace listdigest::site
