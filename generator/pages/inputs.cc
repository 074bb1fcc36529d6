#include "pages/inputs.h"

namespace listdigest::pages {

void InputHasher::Number(int64_t n) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(static_cast<uint64_t>(n) >> (8 * i));
  h_.UpdateField(std::string_view(bytes, sizeof bytes));
}

void InputHasher::Person(const model::Person& person) {
  Text(person.email);
  Text(person.name);
  Text(person.slug);
  Number(static_cast<int64_t>(person.emails.size()));
  for (const std::string& email : person.emails) Text(email);
}

void InputHasher::Site(const SiteInfo& site) {
  for (const std::string* s : {&site.title, &site.list, &site.base_url, &site.message_url,
                               &site.search_url, &site.generator}) {
    Text(*s);
  }
  Number(static_cast<int64_t>(site.organisations.size()));
  for (const auto& [domain, name] : site.organisations) {
    Text(domain);
    Text(name);
  }
}

}  // namespace listdigest::pages
