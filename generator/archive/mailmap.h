// git's .mailmap, read with libgit2: maps the names and addresses people
// used to the one they want to be known by.
#pragma once

#include <memory>
#include <string>

namespace listdigest::archive {

class MailmapImpl;

/// A loaded .mailmap. Move-only. An empty Mailmap maps everything to itself.
class Mailmap {
 public:
  Mailmap();
  ~Mailmap();
  Mailmap(Mailmap&&) noexcept;
  Mailmap& operator=(Mailmap&&) noexcept;

  /// Reads `path` (git's mailmap format). On failure sets `err`.
  static bool Load(const std::string& path, Mailmap* mailmap, std::string* err);

  /// Maps (name, email) in place. Thread-safe for concurrent readers.
  void Resolve(std::string* name, std::string* email) const;

 private:
  std::unique_ptr<MailmapImpl> impl_;
};

}  // namespace listdigest::archive
