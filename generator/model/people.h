// People as contributor pages see them: what each person posted and reviewed
// over the whole archive, whom they review and who reviews them, month by
// month; and the organisations behind their mail domains. Pure functions of
// the const Archive.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/archive.h"
#include "model/digest.h"

namespace listdigest::model {

/// Mail domain -> organisation, from [archive.domains] in the config
/// ("linux.intel.com" -> "Intel"). Keys are lower-case.
using Organisations = std::map<std::string, std::string>;

/// The lower-cased domain of an address ("intel.com" for "A.B@Intel.com"),
/// or the whole address when it has no '@'.
std::string DomainOf(const std::string& email);

/// The organisation `domain` belongs to: the entry of the domain itself, else
/// of its nearest parent domain ("ecs.intel.com" falls under "intel.com"),
/// else the domain itself.
std::string OrganisationOf(const std::string& domain, const Organisations& organisations);

struct NameCount {
  std::string name;
  int count = 0;
};

/// Patches and reviews of one person in one month (UTC, by commit time).
struct MonthActivity {
  std::string month;  // "2021-03"
  int patches = 0;
  int reviews = 0;
};

/// Everything a contributor page shows about one person.
///
/// Counting rules (the digest's, summed over the archive):
/// - a person's messages are those whose author (in-body From:, else From:)
///   or sender (From:) they are; `first`/`last` are the committer times of
///   the oldest and newest of them;
/// - `patches`: patch messages they authored, cover letters included;
/// - `reviews_given`: their replies carrying a Reviewed-by, Acked-by or
///   Tested-by naming themselves, one per reply;
/// - `reviews_received`: such replies by someone else whose nearest patch up
///   the thread is one they authored.
struct PersonStats {
  int person = -1;               // index in Archive::people
  std::vector<NameCount> names;  // names written in their messages, most used first
  int messages = 0;
  int patches = 0;
  int reviews_given = 0;
  int reviews_received = 0;
  int64_t first = 0;
  int64_t last = 0;
  std::vector<int> series;               // series with a version they authored, newest first
  std::vector<int> postings;             // series versions they authored, newest head first
  std::vector<PersonCount> reviewed;     // whom they review, most first (then name)
  std::vector<PersonCount> reviewed_by;  // who reviews them, most first (then name)
  std::vector<MonthActivity> months;     // months with patches or reviews, oldest first
};

/// The statistics of every person, indexed like `archive.people`.
std::vector<PersonStats> ComputePeopleStats(const Archive& archive);

/// Patches, reviews and people of one organisation.
struct OrganisationCount {
  std::string name;
  int patches = 0;
  int reviews = 0;
  int people = 0;  // distinct people counted in `patches` or `reviews`
};

/// A digest's patches and reviews by organisation: patches desc, then
/// reviews desc, then name.
std::vector<OrganisationCount> DigestOrganisations(const Archive& archive, const Digest& digest,
                                                   const Organisations& organisations);

/// The whole archive's patches and reviews by organisation, same order.
std::vector<OrganisationCount> ArchiveOrganisations(const Archive& archive,
                                                    const std::vector<PersonStats>& stats,
                                                    const Organisations& organisations);

}  // namespace listdigest::model
