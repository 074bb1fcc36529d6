// The text digest against the two reference digests of the KVM list
// (tests/data/seeds/): an archive is made from messages rebuilt from their
// entries, and the generated entries must match the reference byte for byte.
#include <doctest/doctest.h>

#include "archive/inbox.h"
#include "archive/mailmap.h"
#include "model/archive.h"
#include "model/digest.h"
#include "pages/digest_text.h"
#include "support.h"

namespace listdigest {
namespace {

const std::string kSeparator(70, '-');
const std::string kEntriesHeader = "===== Patch Commit Messages ====\n\n";

struct Entry {
  bool exist = false;
  std::string subject;
  std::string author;  // "Name <addr>"
  std::string body;    // as shown, between "Author:" + blank line and the blank line + separator
};

std::vector<Entry> ParseEntries(const std::string& text) {
  std::vector<Entry> entries;
  size_t pos = text.find(kEntriesHeader);
  REQUIRE(pos != std::string::npos);
  pos += kEntriesHeader.size();
  while (pos < text.size()) {
    auto line_at = [&text](size_t p) { return text.substr(p, text.find('\n', p) - p); };
    std::string line = line_at(pos);
    if (line.rfind("Exist: ", 0) == 0) {
      Entry e;
      e.exist = true;
      e.subject = line.substr(7);
      pos += line.size() + 1;
      REQUIRE(line_at(pos) == " Skip: " + e.subject);
      pos += line_at(pos).size() + 1;
      if (pos < text.size() && text[pos] == '\n') ++pos;
      entries.push_back(e);
      continue;
    }
    REQUIRE_MESSAGE(line.rfind("New:  ", 0) == 0, "unexpected line: " << line);
    pos += line.size() + 1;
    Entry e;
    e.subject = line_at(pos);
    pos += e.subject.size() + 1;
    const std::string author = line_at(pos);
    REQUIRE(author.rfind("Author: ", 0) == 0);
    e.author = author.substr(8);
    pos += author.size() + 2;  // the line and the blank line after it
    const size_t end = text.find("\n\n" + kSeparator + "\n", pos);
    REQUIRE(end != std::string::npos);
    e.body = text.substr(pos, end - pos);
    pos = end + 2 + kSeparator.size() + 2;
    entries.push_back(e);
  }
  return entries;
}

// A message as git send-email writes it, whose digest text is `e.body`.
std::string RebuildMail(const Entry& e, int n) {
  std::string mail;
  mail += "From: " + e.author + "\n";
  mail += "Subject: " + e.subject + "\n";
  mail += "Date: Mon, 1 Dec 2025 10:" + std::to_string(10 + n % 50) + ":00 +0000\n";
  mail += "Message-ID: <seed-" + std::to_string(n) + "@example.org>\n";
  mail += "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n\n";
  // An entry that starts with a blank line came from a patch with an in-body
  // From: line, which the digest leaves out.
  if (!e.body.empty() && e.body[0] == '\n') mail += "From: " + e.author + "\n";
  mail += e.body + "\n";
  if (e.body.find("changed, ") != std::string::npos) {
    mail += "\ndiff --git a/x.c b/x.c\nindex 1111111..2222222 100644\n--- a/x.c\n+++ b/x.c\n"
            "@@ -1 +1 @@\n-old\n+new\n";
  }
  mail += "-- \n2.52.0\n";
  return mail;
}

std::string EntriesOf(const std::string& digest) {
  return digest.substr(digest.find(kEntriesHeader));
}

void CheckSeed(const std::string& seed_name) {
  const std::string reference = testing::ReadFile(testing::DataPath("seeds/" + seed_name));
  const std::vector<Entry> entries = ParseEntries(reference);
  REQUIRE(entries.size() > 5);
  // The reference lists newest first; the archive gets them oldest first,
  // after one message that opens the range.
  std::vector<testing::TestMail> mails;
  mails.push_back({"From: A <a@example.org>\nSubject: start\nMessage-ID: <start@example.org>\n\nhi\n",
                   1764000000});
  int n = 0;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it, ++n) {
    mails.push_back({RebuildMail(*it, n), 1764000060 + 60 * n});
  }
  const std::string dir = testing::InboxFromMails("seed-" + seed_name, mails);
  archive::Inbox inbox;
  std::string err;
  REQUIRE_MESSAGE(archive::Inbox::Open(dir, &inbox, &err), err);
  const model::Archive model = model::BuildArchive(inbox, archive::Mailmap(), 2, nullptr);
  model::DigestRange range;
  REQUIRE_MESSAGE(model::ExplicitRange(inbox, inbox.commits().front().id,
                                       inbox.commits().back().id, &range, &err), err);
  const model::Digest digest = model::ComputeDigest(model, range);
  const std::string text = pages::DigestText(model, digest, "KVM", 15);
  CHECK(EntriesOf(text) == EntriesOf(reference));
  // The fixed header lines name the range by its commits.
  CHECK(text.rfind("From " + range.from.substr(0, 9) + " to " + range.to.substr(0, 9) +
                   "\nKVM mailing list update from " + range.from.substr(0, 9) + " to " +
                   range.to.substr(0, 9) + "\n\nTop 15 contributor Email domains (Based on Email Body)\n\n",
                   0) == 0);
}

TEST_CASE("digest text: entries match the reference digest 000 byte for byte") {
  CheckSeed("000_ac533778d5b53f62.txt");
}

TEST_CASE("digest text: entries match the reference digest 001, Exist/Skip included") {
  CheckSeed("001_86d99490f8d3c037.txt");
}

}  // namespace
}  // namespace listdigest
