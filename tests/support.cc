#include "support.h"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace listdigest::testing {
namespace fs = std::filesystem;

std::string DataPath(const std::string& name) { return std::string(LISTDIGEST_TEST_DATA) + "/" + name; }

std::string WorkDir(const std::string& name) {
  const fs::path dir = fs::path(LISTDIGEST_TEST_WORK) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

std::vector<std::string> ReadMbox(const std::string& path) {
  const std::string text = ReadFile(path);
  std::vector<std::string> messages;
  std::string current;
  bool in_message = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("From ", 0) == 0) {
      if (in_message) messages.push_back(current);
      current.clear();
      in_message = true;
      continue;
    }
    // mboxrd: ">From ", ">>From " … lose one ">".
    size_t quotes = 0;
    while (quotes < line.size() && line[quotes] == '>') ++quotes;
    if (quotes > 0 && line.compare(quotes, 5, "From ") == 0) line.erase(0, 1);
    current += line + "\n";
  }
  if (in_message) {
    // The blank line that separates messages belongs to the mbox, not to the mail.
    messages.push_back(current);
  }
  for (auto& m : messages) {
    if (m.size() >= 2 && m.compare(m.size() - 2, 2, "\n\n") == 0) m.pop_back();
  }
  return messages;
}

std::vector<TestMail> ReadTimedMbox(const std::string& path) {
  const std::vector<std::string> raw = ReadMbox(path);
  const std::string text = ReadFile(path);
  std::vector<int64_t> times;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (text.compare(pos, 5, "From ") == 0 && end - pos > 46) {
      std::tm tm{};
      const std::string when = text.substr(pos + 46, end - pos - 46);
      REQUIRE_MESSAGE(strptime(when.c_str(), "%a %b %e %H:%M:%S %Y", &tm) != nullptr, when);
      times.push_back(timegm(&tm));
    }
    pos = end + 1;
  }
  REQUIRE(times.size() == raw.size());
  std::vector<TestMail> mails;
  for (size_t i = 0; i < raw.size(); ++i) mails.push_back({raw[i], times[i]});
  return mails;
}

std::string FindMessage(const std::vector<std::string>& mbox, const std::string& id) {
  for (const auto& m : mbox) {
    const size_t header_end = m.find("\n\n");
    const std::string headers = m.substr(0, header_end);
    if (headers.find(id) != std::string::npos) return m;
  }
  FAIL("no message with " << id);
  return "";
}

int Run(const std::string& command, std::string* output, bool merge_stderr) {
  const std::string full = command + (merge_stderr ? " 2>&1" : "");
  FILE* pipe = popen(full.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Binary() { return LISTDIGEST_BINARY; }

std::string InboxFromBundles(const std::string& name, const std::vector<std::string>& bundles) {
  const std::string dir = WorkDir(name);
  for (size_t i = 0; i < bundles.size(); ++i) {
    std::string out;
    const std::string cmd = "git clone -q --mirror '" + DataPath(bundles[i]) + "' '" + dir +
                            "/git/" + std::to_string(i) + ".git'";
    REQUIRE_MESSAGE(Run(cmd, &out) == 0, cmd << ": " << out);
  }
  return dir;
}

std::string InboxFromMails(const std::string& name, const std::vector<TestMail>& mails) {
  const std::string dir = WorkDir(name);
  const std::string repo = dir + "/git/0.git";
  std::string out;
  REQUIRE(Run("git init -q --bare '" + repo + "'", &out) == 0);
  std::string stream;
  for (size_t i = 0; i < mails.size(); ++i) {
    const std::string& raw = mails[i].raw;
    const std::string when = std::to_string(mails[i].time) + " +0000";
    stream += "commit refs/heads/master\n";
    stream += "committer list <list@example.org> " + when + "\n";
    stream += "data 5\nmail\n";
    stream += "M 100644 inline m\ndata " + std::to_string(raw.size()) + "\n" + raw + "\n";
  }
  const std::string stream_path = dir + "/import.stream";
  WriteFile(stream_path, stream);
  const std::string cmd = "git --git-dir='" + repo + "' fast-import --quiet < '" + stream_path + "'";
  REQUIRE_MESSAGE(Run(cmd, &out) == 0, cmd << ": " << out);
  return dir;
}

}  // namespace listdigest::testing
