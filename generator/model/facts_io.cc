#include "model/facts_io.h"

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

namespace listdigest::model {
namespace {

template <class T, class U>
concept Is = std::same_as<std::remove_const_t<T>, U>;

// The field lists: every field of each struct, in declaration order.
// `v.Store(name, field)` for a field the cache keeps; `v.Skip(name, field)`
// for one that is set again on every build. A field added to one of these
// structs must be added here (tests/model/facts_io_test.cc fails until it
// is), and kFactsFormat bumped when Store lists change.

template <class V>
void Fields(V& v, Is<mail::Address> auto& a) {
  v.Store("name", a.name);
  v.Store("email", a.email);
}

template <class V>
void Fields(V& v, Is<Trailer> auto& t) {
  v.Store("kind", t.kind);
  v.Store("value", t.value);
  v.Store("who", t.who);
}

template <class V>
void Fields(V& v, Is<mail::Subject> auto& s) {
  v.Store("text", s.text);
  v.Store("reply", s.reply);
  v.Store("patch", s.patch);
  v.Store("pull", s.pull);
  v.Store("rfc", s.rfc);
  v.Store("version", s.version);
  v.Store("number", s.number);
  v.Store("total", s.total);
  v.Store("title_at", s.title_at);
  v.Store("tags_at", s.tags_at);
  v.Store("tags_size", s.tags_size);
  v.Store("revision_at", s.revision_at);
  v.Store("revision_size", s.revision_size);
  v.Store("prefixes", s.prefixes);
}

template <class V>
void Fields(V& v, Is<MessageTexts> auto& t) {
  v.Store("excerpt", t.excerpt);
  v.Store("description", t.description);
  v.Store("notes", t.notes);
}

template <class V>
void Fields(V& v, Is<MessageFacts> auto& f) {
  v.Skip("position", f.position);  // the commit's, set by BuildArchive
  v.Skip("commit", f.commit);      // ditto
  v.Store("applied_note", f.applied_note);
  v.Skip("epoch", f.epoch);        // the commit's, set by BuildArchive
  v.Skip("parent", f.parent);      // threading: depends on the whole archive
  v.Skip("version", f.version);    // series: ditto
  v.Skip("time", f.time);          // the commit's, set by BuildArchive
  v.Store("message_id", f.message_id);
  v.Store("above", f.above);
  v.Store("subject", f.subject);
  v.Store("author_as_written", f.author_as_written);
  v.Store("from", f.from);
  v.Store("trailers", f.trailers);
  v.Skip("author", f.author);      // a person index: depends on the whole archive
  v.Skip("sender", f.sender);      // ditto
  v.Store("date", f.date);
  v.Store("texts", f.texts);
  v.Skip("reviews", f.reviews);    // person indices, from a reply's trailers
  v.Store("diff_hash", f.diff_hash);
  v.Skip("excerpt_ref", f.excerpt_ref);          // where BuildArchive put the texts
  v.Skip("description_ref", f.description_ref);  // ditto
  v.Skip("notes_ref", f.notes_ref);              // ditto
  v.Store("version_links", f.version_links);
  v.Store("diagnostics", f.diagnostics);
}

template <class T>
concept HasFields = Is<T, mail::Address> || Is<T, Trailer> || Is<T, mail::Subject> ||
                    Is<T, MessageTexts> || Is<T, MessageFacts>;

// Varints (LEB128) for sizes and integers, zig-zag for signed ones; fixed
// 8 bytes for hashes; length-prefixed strings.
class Encoder {
 public:
  explicit Encoder(std::string* out) : out_(out) {}

  template <class T>
  void Store(const char*, const T& value) { Put(value); }
  template <class T>
  void Skip(const char*, const T&) {}

 private:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void Put(const std::string& s) {
    Varint(s.size());
    out_->append(s);
  }
  void Put(bool b) { out_->push_back(b ? 1 : 0); }
  void Put(int v) { Put(static_cast<int64_t>(v)); }
  void Put(int64_t v) {
    Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void Put(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_->push_back(static_cast<char>(v >> (8 * i)));
  }
  template <class T>
  void Put(const std::vector<T>& items) {
    Varint(items.size());
    for (const T& item : items) Put(item);
  }
  template <HasFields T>
  void Put(const T& value) { Fields(*this, value); }
  // An empty box is written as its empty value.
  template <HasFields T>
  void Put(const Boxed<T>& box) { Fields(*this, box.get()); }
  // A box of a list: the list (empty when there is none).
  void Put(const Boxed<std::vector<std::string>>& box) { Put(box.get()); }
  void Put(const WrittenAddress& address) { Fields(*this, *address); }

  std::string* out_;
};

// Reads what Encoder wrote; on any inconsistency stops and stays failed.
class Decoder {
 public:
  // With `views`, MessageTexts are read as views into `in`, not copied.
  explicit Decoder(std::string_view in, TextViews* views = nullptr) : in_(in), views_(views) {}

  template <class T>
  void Store(const char*, T& value) {
    if (ok_) Get(&value);
  }
  template <class T>
  void Skip(const char*, T&) {}

  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return ok_ = false;
      const auto byte = static_cast<unsigned char>(in_[pos_++]);
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) {
        *v = result;
        return true;
      }
    }
    return ok_ = false;
  }
  // A count or length no larger than the bytes left: a corrupt length can
  // never make a huge allocation.
  bool Size(size_t* n) {
    uint64_t v = 0;
    if (!Varint(&v) || v > in_.size() - pos_) return ok_ = false;
    *n = static_cast<size_t>(v);
    return true;
  }
  void Get(std::string* s) {
    size_t n = 0;
    if (!Size(&n)) return;
    s->assign(in_.data() + pos_, n);
    pos_ += n;
  }
  void Get(bool* b) {
    if (pos_ >= in_.size() || static_cast<unsigned char>(in_[pos_]) > 1) {
      ok_ = false;
      return;
    }
    *b = in_[pos_++] == 1;
  }
  void Get(int* v) {
    int64_t wide = 0;
    Get(&wide);
    if (wide < INT32_MIN || wide > INT32_MAX) ok_ = false;
    *v = static_cast<int>(wide);
  }
  void Get(int64_t* v) {
    uint64_t u = 0;
    if (!Varint(&u)) return;
    *v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  }
  void Get(uint64_t* v) {
    if (in_.size() - pos_ < 8) {
      ok_ = false;
      return;
    }
    uint64_t r = 0;
    for (int i = 7; i >= 0; --i) r = (r << 8) | static_cast<unsigned char>(in_[pos_ + i]);
    pos_ += 8;
    *v = r;
  }
  template <class T>
  void Get(std::vector<T>* items) {
    size_t n = 0;
    if (!Size(&n)) return;
    items->clear();
    items->resize(n);
    for (T& item : *items) {
      if (!ok_) return;
      Get(&item);
    }
  }
  template <HasFields T>
  void Get(T* value) { Fields(*this, *value); }
  template <HasFields T>
  void Get(Boxed<T>* box) { Fields(*this, box->mut()); }
  void Get(Boxed<std::vector<std::string>>* box) {
    std::vector<std::string> items;
    Get(&items);
    if (!ok_ || items.empty()) box->reset();
    else box->mut() = std::move(items);
  }
  void Get(WrittenAddress* address) {
    mail::Address read;
    Fields(*this, read);
    if (ok_) *address = WrittenAddress(read);
  }
  void Get(Boxed<MessageTexts>* box) {
    if (!views_) {
      Fields(*this, box->mut());
      return;
    }
    // The fields in their listed order, each to its view.
    struct Viewer {
      Decoder& d;
      TextViews& views;
      const MessageTexts& names;  // an empty one: only its fields' addresses are read
      void Store(const char*, const std::string& field) {
        std::string_view* out = &field == &names.excerpt       ? &views.excerpt
                                : &field == &names.description ? &views.description
                                                               : &views.notes;
        size_t n = 0;
        if (!d.ok_ || !d.Size(&n)) return;
        *out = d.in_.substr(d.pos_, n);
        d.pos_ += n;
      }
    };
    const MessageTexts names;
    Viewer viewer{*this, *views_, names};
    Fields(viewer, names);
  }

  std::string_view in_;
  TextViews* views_ = nullptr;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Counts the fields listed for one struct (not those of structs inside it).
struct Counter {
  size_t n = 0;
  template <class T>
  void Store(const char*, const T&) { ++n; }
  template <class T>
  void Skip(const char*, const T&) { ++n; }
};

template <class T>
size_t CountFields() {
  T value{};
  Counter c;
  Fields(c, value);
  return c.n;
}

// Every stored leaf of a value, named by its path.
class Flattener {
 public:
  std::vector<StoredLeaf> leaves;

  template <class T>
  void Store(const char* name, const T& value) {
    const std::string saved = prefix_;
    prefix_ += name;
    Leaf(value);
    prefix_ = saved;
  }
  template <class T>
  void Skip(const char*, const T&) {}

 private:
  template <class T>
  static std::string Encoded(const T& value) {
    std::string bytes;
    Encoder e(&bytes);
    e.Store("", value);
    return bytes;
  }
  template <class T>
  void Leaf(const T& value) {
    std::string bytes = Encoded(value);
    const bool is_default = bytes == Encoded(T{});
    leaves.push_back({prefix_, std::move(bytes), is_default});
  }
  template <HasFields T>
  void Leaf(const T& value) {
    prefix_ += ".";
    Fields(*this, value);
  }
  void Leaf(const WrittenAddress& address) {
    prefix_ += ".";
    Fields(*this, *address);
  }
  template <HasFields T>
  void Leaf(const Boxed<T>& box) {
    prefix_ += ".";
    Fields(*this, box.get());
  }
  template <HasFields T>
  void Leaf(const std::vector<T>& items) {
    prefix_ += "[].";
    for (const T& item : items) Fields(*this, item);
  }

  std::string prefix_;
};

}  // namespace

void EncodeFacts(const MessageFacts& facts, std::string* out) {
  Encoder e(out);
  Fields(e, facts);
}

bool DecodeFacts(std::string_view bytes, MessageFacts* facts) {
  *facts = MessageFacts{};
  Decoder d(bytes);
  Fields(d, *facts);
  return d.ok() && d.at_end();
}

bool DecodeFacts(std::string_view bytes, MessageFacts* facts, TextViews* texts) {
  *facts = MessageFacts{};
  *texts = TextViews{};
  Decoder d(bytes, texts);
  Fields(d, *facts);
  return d.ok() && d.at_end();
}

FactsFieldCounts ListedFactsFields() {
  FactsFieldCounts c;
  c.message_facts = CountFields<MessageFacts>();
  c.subject = CountFields<mail::Subject>();
  c.address = CountFields<mail::Address>();
  c.trailer = CountFields<Trailer>();
  c.texts = CountFields<MessageTexts>();
  return c;
}

std::vector<StoredLeaf> StoredLeaves(const MessageFacts& facts) {
  Flattener f;
  Fields(f, facts);
  return f.leaves;
}

std::vector<std::string> StoredLeafNames() {
  // One element in each list of structs, so that their fields show.
  MessageFacts facts;
  facts.trailers.resize(1);

  std::vector<std::string> names;
  for (const auto& leaf : StoredLeaves(facts)) {
    if (std::find(names.begin(), names.end(), leaf.name) == names.end()) names.push_back(leaf.name);
  }
  return names;
}

}  // namespace listdigest::model
