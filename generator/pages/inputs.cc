#include "pages/inputs.h"

#include <cstring>

#include "model/series.h"

namespace listdigest::pages {

void HashJson(model::Hasher* h, const nlohmann::json& j) {
  using Type = nlohmann::json::value_t;
  auto tag = [h](char t, uint64_t n) {
    char buf[9];
    buf[0] = t;
    for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<char>(n >> (8 * i));
    h->Update(std::string_view(buf, sizeof buf));
  };
  switch (j.type()) {
    case Type::object:
      tag('o', j.size());
      for (auto it = j.begin(); it != j.end(); ++it) {
        h->UpdateField(it.key());
        HashJson(h, it.value());
      }
      return;
    case Type::array:
      tag('a', j.size());
      for (const auto& e : j) HashJson(h, e);
      return;
    case Type::string:
      tag('s', 0);
      h->UpdateField(j.get_ref<const std::string&>());
      return;
    case Type::boolean:
      tag('b', j.get<bool>() ? 1 : 0);
      return;
    case Type::number_integer:
      tag('i', static_cast<uint64_t>(j.get<int64_t>()));
      return;
    case Type::number_unsigned:
      tag('u', j.get<uint64_t>());
      return;
    case Type::number_float: {
      const double d = j.get<double>();
      uint64_t bits = 0;
      std::memcpy(&bits, &d, sizeof bits);
      tag('f', bits);
      return;
    }
    default:
      tag('n', static_cast<uint64_t>(j.type()));
      return;
  }
}


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

void ModelHasher::PersonAt(int p) {
  if (p < 0) return Text("\x01no person");
  Person(a_.people[p]);
}

void ModelHasher::MessageAt(int m) {
  if (m < 0) return Text("\x01no message");
  const model::MessageFacts& f = a_.messages[m];
  Text(f.commit.text().view());
  Number(f.time);
  Number(static_cast<int64_t>(f.position));
  const std::string* digest = digests_.Find(f.position);
  Text(digest ? *digest : "\x01no digest");
  PersonAt(f.author);
  PersonAt(f.sender);
  for (const model::Review& r : f.reviews) PersonAt(r.person);
  // Where a reply counts: below which patch (or cover letter).
  const int ancestor = f.is_patch() ? -1 : model::PatchAncestor(a_, m);
  if (ancestor < 0) Text("\x01no ancestor");
  else Text(a_.messages[ancestor].commit.text().view());
}

void ModelHasher::Messages(const std::vector<int>& ms) {
  Number(static_cast<int64_t>(ms.size()));
  for (int m : ms) MessageAt(m);
}

void ModelHasher::Version(int vi) {
  const model::SeriesVersion& v = a_.versions[vi];
  Number(v.version);
  Text(v.revision);
  Number(v.rfc);
  Number(v.resend);
  Number(v.total);
  MessageAt(v.head);
  MessageAt(v.cover);
  MessageAt(v.pull);
  Messages(v.patches);
  Messages(v.replaced);
  Messages(v.replies);
  PersonAt(v.author);
  Text(v.title);
  Number(v.date);
  Number(static_cast<int>(v.state));
  PersonAt(v.applied_by);
  MessageAt(v.applied_message);
}

void ModelHasher::SeriesOf(int vi) {
  const model::Series& s = a_.series[a_.versions[vi].series];
  Text(s.id);
  Number(static_cast<int64_t>(s.versions.size()));
  for (int other : s.versions) {
    const model::SeriesVersion& v = a_.versions[other];
    Number(other == vi);
    Number(v.version);
    Text(v.revision);
    Number(v.rfc);
    Number(v.resend);
    Number(static_cast<int64_t>(a_.messages[v.head].position));
    Number(a_.messages[v.head].time);
  }
}

}  // namespace listdigest::pages
