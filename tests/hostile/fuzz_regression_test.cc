// Every input the fuzzers (tests/fuzz/, scripts/fuzz) ever broke the mail
// or subject parser with stays here as a test, replayed through the same
// checks; so do the fuzzers' seeds and the crafted corpora, so that
// scripts/test runs them all under ASan and UBSan.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "fuzz/fuzz_checks.h"
#include "support.h"

namespace listdigest {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Files(const std::string& folder) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(testing::DataPath(folder))) {
    if (e.is_regular_file() && e.path().filename() != "README.md")
      files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_CASE("fuzz regressions: every input a fuzzer found keeps the parsers' promises") {
  const auto mail = Files("../fuzz/regressions/mail");
  const auto subjects = Files("../fuzz/regressions/subject");
  CHECK(mail.size() + subjects.size() >= 1);
  for (const auto& f : mail) CHECK_MESSAGE(fuzz::CheckMail(testing::ReadFile(f)) == "", f);
  for (const auto& f : subjects) CHECK_MESSAGE(fuzz::CheckSubject(testing::ReadFile(f)) == "", f);
}

TEST_CASE("fuzz regressions: the seeds and the crafted corpora keep them too") {
  size_t n = 0;
  for (const char* folder : {"../fuzz/seeds/mail", "hostile", "broken"}) {
    for (const auto& f : Files(folder)) {
      CHECK_MESSAGE(fuzz::CheckMail(testing::ReadFile(f)) == "", f);
      ++n;
    }
  }
  CHECK(n == 36 + 18 + 25);
  for (const auto& f : Files("../fuzz/seeds/subject")) {
    CHECK_MESSAGE(fuzz::CheckSubject(testing::ReadFile(f)) == "", f);
  }
}

}  // namespace
}  // namespace listdigest
