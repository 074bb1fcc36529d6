// Helpers shared by the tests: real mail from tests/data, inboxes made from
// bundles or from messages, and running the listdigest binary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace listdigest::testing {

/// tests/data/<name>
std::string DataPath(const std::string& name);

/// A fresh, empty folder under the build's test-work folder.
std::string WorkDir(const std::string& name);

/// Reads a whole file; fails the test when it cannot.
std::string ReadFile(const std::string& path);

/// The messages of an mboxrd file, ">From " unescaped, in file order.
std::vector<std::string> ReadMbox(const std::string& path);

/// The message of `mbox` whose Message-ID header contains `id`.
std::string FindMessage(const std::vector<std::string>& mbox, const std::string& id);

/// Clones bundles into a v2 inbox folder <work>/<name>/git/N.git (one bundle
/// per epoch, in order) and returns the folder.
std::string InboxFromBundles(const std::string& name, const std::vector<std::string>& bundles);

/// One message to put into a made-up inbox, committed at `time`.
struct TestMail {
  std::string raw;
  int64_t time = 0;
};

/// The messages of an mboxrd whose From_ lines carry each message's source
/// commit and committer time ("From <40 hex> Tue Jun  4 14:45:51 2019"),
/// as tests/data/kvmarm-series.mboxrd has them.
std::vector<TestMail> ReadTimedMbox(const std::string& path);

/// Makes a one-epoch v2 inbox at <work>/<name>/git/0.git holding `mails`
/// in order (git fast-import), and returns the folder.
std::string InboxFromMails(const std::string& name, const std::vector<TestMail>& mails);

/// Runs a shell command; returns its exit status and fills `output` with
/// standard output (and standard error when `merge_stderr`).
int Run(const std::string& command, std::string* output, bool merge_stderr = true);

/// The path of the built listdigest binary.
std::string Binary();

/// Writes `text` to `path`.
void WriteFile(const std::string& path, const std::string& text);

}  // namespace listdigest::testing
