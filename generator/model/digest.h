// Digests: the ranges of the archive to summarise, and what each holds.
#pragma once

#include <string>
#include <vector>

#include "model/archive.h"

namespace listdigest::model {

/// One range to summarise. For a period the messages are those whose commit
/// time falls in it; for an explicit range those of `git rev-list from..to`.
struct DigestRange {
  std::string id;               // "2021-W10", "2021-03", "2021-03-08", "<9 hex>..<9 hex>"
  std::string from;             // 40 hex: the excluded start of an explicit range, or
                                // the first commit of a period
  std::string to;               // 40 hex: the last commit
  std::vector<size_t> positions;  // message commits, archive order
  bool period = false;
};

struct PersonCount {
  int person = -1;
  int count = 0;
};
struct DomainCount {
  std::string domain;
  int count = 0;
};

struct Digest {
  DigestRange range;
  std::vector<int> messages;    // message indices, archive order
  int patches = 0;              // patch messages, cover letters included
  int replies = 0;
  int pulls = 0;
  std::vector<PersonCount> contributors;  // count desc, then name asc
  std::vector<DomainCount> domains;       // count desc, then domain asc
  std::vector<PersonCount> reviewers;
  std::vector<int> versions;    // series versions with a patch in the range, newest head first
};

/// The ISO week ("2021-W09"), month ("2021-03") or day ("2021-03-01") of a
/// UTC time. `period` is "week", "month" or "day".
std::string PeriodId(const std::string& period, int64_t time);

/// Splits the archive's message commits by committer time into periods,
/// oldest first. `period` is "week", "month" or "day".
std::vector<DigestRange> PeriodRanges(const archive::Inbox& inbox, const std::string& period);

/// The range of `git rev-list from..to`; its id is "<from 9 hex>..<to 9 hex>".
bool ExplicitRange(const archive::Inbox& inbox, const std::string& from, const std::string& to,
                   DigestRange* range, std::string* err);

/// Counts what `range` holds. Pure function of the model.
Digest ComputeDigest(const Archive& archive, const DigestRange& range);

}  // namespace listdigest::model
