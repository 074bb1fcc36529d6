#include "site/context.h"

#include <atomic>
#include <thread>

namespace listdigest::site {

void Output::Write(const std::string& path, const std::string& bytes) {
  std::string err;
  if (!writer_.Write(path, bytes, &err)) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (first_error_.empty()) first_error_ = err;
  }
}

void Output::Render(const std::string& path, const std::string& name, const nlohmann::json& view) {
  std::string html, err;
  if (!site_.theme.RenderPage(name, view, &html, &err)) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (first_error_.empty()) first_error_ = site_.theme_dir + ": " + err;
    return;
  }
  Write(path, html);
  std::lock_guard<std::mutex> lock(mutex_);
  pages_.insert(path);
}

void Output::WriteJson(const std::string& path, const nlohmann::json& value) {
  Write(path, DumpJson(value));
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
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs && size_t(t) < n; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace listdigest::site
