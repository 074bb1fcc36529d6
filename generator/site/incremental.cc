#include "site/incremental.h"

#include <nlohmann/json.hpp>
#include <thread>

#include "site/cache.h"
#include "site/context.h"

namespace listdigest::site {
namespace {

using nlohmann::json;

// What every page's bytes depend on besides its view: the generator and the
// templates (static files reach pages only through asset_version, which is
// in each page's fields).
model::Hash128 PageSalt(const render::Theme& theme) {
  model::Hasher h;
  h.UpdateField(GeneratorIdentity());
  for (const auto& [name, text] : theme.templates()) {
    h.UpdateField(name);
    h.UpdateField(text);
  }
  return h.Finish();
}

}  // namespace

std::vector<std::string> BeginOutput(const Site& site, const BuildOptions& options, Output* out,
                                     OutputState* state) {
  std::vector<std::string> notices;
  const std::string& dir = options.out_dir;
  Manifest previous;
  std::string why;
  if (!ReadManifest(dir, &previous, &why) && why != "no manifest") {
    notices.push_back(dir + ": " + why +
                      ", so files of earlier builds that no longer belong stay (delete the folder "
                      "once to start afresh)");
  }
  const std::vector<std::string> pending = ReadPending(dir);
  if (!pending.empty()) {
    notices.push_back(dir + ": an earlier build was interrupted; this one completes the site");
  }
  // The state says which files are as the last build left them; it belongs
  // to the manifest that build wrote.
  const bool use_state =
      !options.clean && options.cache &&
      ReadOutputState(OutputStatePath(site.config.cache_dir, dir), state) &&
      state->manifest == ManifestHash(previous);
  out->writer().Begin(std::move(previous), {pending.begin(), pending.end()},
                      use_state ? state : nullptr);
  out->HashPageInputs(PageSalt(site.theme));
  return notices;
}

bool FinishOutput(const Site& site, const BuildOptions& options, Output* out,
                  const BuildSummary& summary, std::vector<std::string>* notices,
                  std::string* err) {
  // The build cache is saved meanwhile on another thread: it holds what was
  // read, whatever becomes of the output.
  std::string cache_problem;
  bool cache_saved = true;
  std::thread saver;
  if (options.cache) {
    saver = std::thread(
        [&] { cache_saved = options.cache->Save(site.inbox, &cache_problem); });
  }
  OutputState state;
  state.fingerprint = options.fingerprint;
  state.summary = SummaryJson(summary, false);
  const bool finished = out->writer().Finish(&state, err);
  std::string problem;
  const bool state_saved =
      !finished || !options.cache ||
      WriteOutputState(OutputStatePath(site.config.cache_dir, options.out_dir), state, &problem);
  if (saver.joinable()) saver.join();
  if (!finished) return false;
  if (!cache_saved) problem = cache_problem;
  if (!state_saved || !cache_saved) {
    notices->push_back("build cache not saved: " + problem + " (the site is complete)");
  }
  return true;
}

std::string SummaryJson(const BuildSummary& s, bool times) {
  json j;
  j["up_to_date"] = s.up_to_date;
  j["messages"] = s.messages;
  j["messages_parsed"] = s.parsed;
  j["messages_cached"] = s.cached;
  j["search_segments"] = s.search_segments;
  j["search_segments_kept"] = s.search_segments_kept;
  j["digests"] = s.digests;
  j["series"] = s.series;
  j["people"] = s.people;
  j["diagnostics"] = s.diagnostics;
  json kinds = json::array();
  for (const auto& [kind, count] : s.diagnostic_kinds) {
    kinds.push_back({{"kind", kind}, {"count", count}});
  }
  j["diagnostics_by_kind"] = kinds;
  if (times) {
    j["files"] = {{"written", s.written}, {"unchanged", s.unchanged}, {"removed", s.removed}};
    j["seconds"] = s.seconds;
    json steps = json::array();
    for (const auto& step : s.steps) {
      json entry = {{"name", step.name}, {"seconds", step.seconds}};
      if (step.peak_mb > 0) entry["peak_mb"] = step.peak_mb;
      if (!step.parts.empty()) {
        json parts = json::object();
        for (const auto& [name, seconds] : step.parts) parts[name] = seconds;
        entry["thread_seconds"] = parts;
      }
      steps.push_back(entry);
    }
    j["steps"] = steps;
    j["notices"] = s.notices;
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool SummaryFromJson(const std::string& text, BuildSummary* s) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return false;
  auto count = [&j](const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<size_t>() : size_t{0};
  };
  s->messages = count("messages");
  s->digests = count("digests");
  s->series = count("series");
  s->people = count("people");
  s->diagnostics = count("diagnostics");
  s->diagnostic_kinds.clear();
  if (j.contains("diagnostics_by_kind") && j["diagnostics_by_kind"].is_array()) {
    for (const auto& k : j["diagnostics_by_kind"]) {
      if (k.is_object() && k.value("kind", json()).is_string() &&
          k.value("count", json()).is_number_unsigned()) {
        s->diagnostic_kinds.emplace_back(k["kind"].get<std::string>(), k["count"].get<size_t>());
      }
    }
  }
  return true;
}

}  // namespace listdigest::site
