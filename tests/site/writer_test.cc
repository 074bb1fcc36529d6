// The output writer: a replaced file's bytes are never changed under a
// reader. Writes take the place of files earlier writes replaced (their
// blocks and inodes are reused, not released) only when nobody can read
// those files any more.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "site/writer.h"
#include "support.h"

namespace listdigest {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::WorkDir;

// A folder of `n` files f0.html … that the last build wrote (a manifest
// names them), each of `size` bytes of `fill`.
std::string LastBuild(const std::string& name, int n, size_t size, char fill) {
  const std::string dir = WorkDir(name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  site::Writer writer(dir);
  writer.Begin({}, {}, nullptr);
  std::string err;
  for (int i = 0; i < n; ++i) {
    REQUIRE(writer.Write("f" + std::to_string(i) + ".html", std::string(size, fill), &err));
  }
  site::OutputState state;
  REQUIRE(writer.Finish(&state, &err));
  return dir;
}

site::Manifest ManifestOf(const std::string& dir) {
  site::Manifest manifest;
  std::string why;
  REQUIRE(site::ReadManifest(dir, &manifest, &why));
  return manifest;
}

TEST_CASE("writer: replaced files take later writes; none is left; the bytes are exact") {
  // Old files of 5,000 bytes (two pages), new ones shorter, longer and empty.
  const std::string dir = LastBuild("writer-reuse", 6, 5000, 'a');
  site::Writer writer(dir);
  writer.Begin(ManifestOf(dir), {}, nullptr);
  const std::string texts[6] = {std::string(10, 'b'), std::string(4096, 'c'),
                                std::string(9000, 'd'), "",
                                std::string(4097, 'e'), std::string(5000, 'f')};
  std::string err;
  for (int i = 0; i < 6; ++i) {
    REQUIRE(writer.Write("f" + std::to_string(i) + ".html", texts[i], &err));
  }
  site::OutputState state;
  REQUIRE(writer.Finish(&state, &err));
  CHECK(writer.written() == 6);
  // The first write creates a file; each later one takes the place of the
  // file the write before it replaced.
  CHECK(writer.reused() == 5);
  for (int i = 0; i < 6; ++i) {
    const std::string path = dir + "/f" + std::to_string(i) + ".html";
    CHECK(ReadFile(path) == texts[i]);
    CHECK(fs::file_size(path) == texts[i].size());
  }
  CHECK_FALSE(fs::exists(dir + "/" + site::kTempDirName));
}

TEST_CASE("writer: a replaced file still open or linked elsewhere keeps its bytes") {
  const std::string dir = LastBuild("writer-readers", 3, 3000, 'a');
  // A reader (a web server serving the old site) has f0 open; f1 is
  // hard-linked into a snapshot of the last site.
  const int reader = ::open((dir + "/f0.html").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(reader >= 0);
  fs::create_directories(dir + "-snapshot");
  fs::remove(dir + "-snapshot/f1.html");
  fs::create_hard_link(dir + "/f1.html", dir + "-snapshot/f1.html");

  site::Writer writer(dir);
  writer.Begin(ManifestOf(dir), {}, nullptr);
  std::string err;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(writer.Write("f" + std::to_string(i) + ".html", std::string(100, 'x'), &err));
  }
  // More writes that could take the old files' places.
  REQUIRE(writer.Write("g0.html", std::string(200, 'y'), &err));
  REQUIRE(writer.Write("g1.html", std::string(200, 'z'), &err));
  site::OutputState state;
  REQUIRE(writer.Finish(&state, &err));
  // Only the old f2 was free to take a later write.
  CHECK(writer.reused() == 1);

  std::string old(3000, '\0');
  CHECK(::pread(reader, old.data(), old.size(), 0) == 3000);
  CHECK(old == std::string(3000, 'a'));
  ::close(reader);
  CHECK(ReadFile(dir + "-snapshot/f1.html") == std::string(3000, 'a'));
  CHECK(ReadFile(dir + "/f1.html") == std::string(100, 'x'));
  CHECK(ReadFile(dir + "/g0.html") == std::string(200, 'y'));
  CHECK(ReadFile(dir + "/g1.html") == std::string(200, 'z'));
  CHECK_FALSE(fs::exists(dir + "/" + site::kTempDirName));
}

}  // namespace
}  // namespace listdigest
