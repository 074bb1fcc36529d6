#include "site/context.h"

#include <atomic>
#include <cstring>
#include <thread>

#include "pages/inputs.h"

namespace listdigest::site {
namespace {

// An HTML page: what the sitemap lists, and what gets PageFields.
bool IsPage(const std::string& path) {
  return path.size() >= 5 && path.compare(path.size() - 5, 5, ".html") == 0;
}

}  // namespace

void Output::Write(const std::string& path, const std::string& bytes, const model::Hash128& input) {
  std::string err;
  if (!writer_.Write(path, bytes, &err, input)) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (first_error_.empty()) first_error_ = err;
  }
}

model::Hash128 Output::KeyedInput(const std::string& path, const std::string& root,
                                  const model::Hash128& key) const {
  if (salt_ == model::Hash128{}) return {};
  model::Hasher h;
  h.UpdateField(salt_.Hex());
  h.UpdateField("keyed");
  h.UpdateField(key.Hex());
  if (IsPage(path)) {
    h.UpdateField(fields_salt_.Hex());
    h.UpdateField(path);
    h.UpdateField(root);
  }
  return h.Finish();
}

void Output::HashPageInputs(const model::Hash128& salt) {
  salt_ = salt;
  fields_salt_ = PageFieldsSalt(site_);
}

bool Output::KeepIfUnchanged(const std::vector<std::pair<std::string, model::Hash128>>& files) {
  if (!writer_.KeepIfInputsUnchanged(files)) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& file : files) {
    if (IsPage(file.first)) pages_.insert(file.first);
  }
  return true;
}

void Output::Render(const std::string& path, const std::string& name, const nlohmann::json& view,
                    const model::Hash128& keyed) {
  std::string html, err;
  const std::string root = view.is_object() ? view.value("root", "") : "";
  const nlohmann::json fields = PageFields(site_, path, root);
  // A page is a pure function of its template, view and fields: when they
  // hash as last time, the file already holds the page.
  model::Hash128 input = keyed;
  if (input == model::Hash128{} && salt_ != model::Hash128{}) {
    model::Hasher h;
    h.UpdateField(salt_.Hex());
    h.UpdateField(name);
    pages::HashJson(&h, view);
    pages::HashJson(&h, fields);
    input = h.Finish();
    if (writer_.KeepIfInputUnchanged(path, input)) {
      std::lock_guard<std::mutex> lock(mutex_);
      pages_.insert(path);
      return;
    }
  }
  if (!site_.theme.RenderPage(name, view, fields, &html, &err)) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (first_error_.empty()) first_error_ = site_.theme_dir + ": " + err;
    return;
  }
  if (!writer_.Write(path, html, &err, input)) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (first_error_.empty()) first_error_ = err;
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  pages_.insert(path);
}

void Output::WriteJson(const std::string& path, const nlohmann::json& value,
                       const model::Hash128& keyed) {
  // Dumping is a pure function of the value: when it hashes as last time,
  // the file already holds its dump.
  model::Hash128 input = keyed;
  if (input == model::Hash128{} && salt_ != model::Hash128{}) {
    model::Hasher h;
    h.UpdateField(salt_.Hex());
    h.UpdateField("json");
    pages::HashJson(&h, value);
    input = h.Finish();
    if (writer_.KeepIfInputUnchanged(path, input)) return;
  }
  std::string err;
  if (!writer_.Write(path, DumpJson(value), &err, input)) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (first_error_.empty()) first_error_ = err;
  }
}

std::string Output::first_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_error_;
}

std::vector<std::string> Output::pages() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {pages_.begin(), pages_.end()};
}

void ParallelFor(size_t n, int jobs, const std::function<void(size_t)>& fn) {
  SharedWork work(n, fn);
  work.WorkOn(static_cast<int>(std::min<size_t>(std::max(jobs, 1), std::max<size_t>(n, 1))));
}

void SharedWork::Work() {
  for (size_t i = next_++; i < n_; i = next_++) fn_(i);
}

void SharedWork::WorkOn(int threads) {
  std::vector<std::thread> more;
  for (int t = 1; t < threads; ++t) more.emplace_back([this] { Work(); });
  Work();
  for (auto& t : more) t.join();
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace listdigest::site
