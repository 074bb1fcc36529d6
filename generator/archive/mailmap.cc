#include "archive/mailmap.h"

#include <git2.h>

#include <fstream>
#include <mutex>
#include <sstream>

namespace listdigest::archive {

class MailmapImpl {
 public:
  ~MailmapImpl() { git_mailmap_free(map); }
  git_mailmap* map = nullptr;
};

Mailmap::Mailmap() = default;
Mailmap::~Mailmap() = default;
Mailmap::Mailmap(Mailmap&&) noexcept = default;
Mailmap& Mailmap::operator=(Mailmap&&) noexcept = default;

bool Mailmap::Load(const std::string& path, Mailmap* mailmap, std::string* err) {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = path + ": cannot read the mailmap; fix archive.mailmap or remove it";
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  auto impl = std::make_unique<MailmapImpl>();
  if (git_mailmap_from_buffer(&impl->map, text.data(), text.size()) != 0) {
    const git_error* e = git_error_last();
    *err = path + ": not a valid mailmap: " + (e && e->message ? e->message : "?");
    return false;
  }
  mailmap->impl_ = std::move(impl);
  return true;
}

void Mailmap::Resolve(std::string* name, std::string* email) const {
  if (!impl_ || !impl_->map) return;
  const char* real_name = nullptr;
  const char* real_email = nullptr;
  if (git_mailmap_resolve(&real_name, &real_email, impl_->map, name->c_str(), email->c_str()) != 0) {
    return;
  }
  // The results may point into the inputs: copy before assigning.
  std::string new_name = real_name ? real_name : *name;
  std::string new_email = real_email ? real_email : *email;
  *name = std::move(new_name);
  *email = std::move(new_email);
}

}  // namespace listdigest::archive
