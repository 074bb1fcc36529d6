// The static search index: documents in, the files of site/search/ out.
// Read README.md "Search" for the format; themes/default/static/search.js is
// its only reader.
//
// - Documents are numbered by date (oldest first), so a date range is a
//   range of ids and a higher id is a more recent document.
// - manifest.json: format version, document count, the shard table, the
//   stop words, the common terms (in a tenth of the documents or more: a
//   query with a rarer word does not fetch them) and the settings the
//   client needs.
// - The documents are cut in segments (contributors in one, the others by
//   the binary digits of their count in blocks of `segment_docs`: see
//   Segments in index.cc), each with term shards and BM25 lengths of its
//   own, so that new documents change the shards of the last segments only
//   and the others keep their bytes. A query reads a term's shard in each.
// - t/<segment>/<n>.json: term shards. A segment's terms are sorted and cut
//   into shards of about `shard_bytes`; the manifest lists each shard's
//   first key as the shortest prefix that tells it from the shard before,
//   so a query fetches only the shards of its terms. A shard maps a term to
//   its postings per field:
//   "t" subject, "b" body, "a" author, "r" series title, "f" filter terms
//   ("is:applied"). Postings are compact strings of variable-length numbers
//   (see AppendNumber): ids delta-encoded (from -1: the ids of the whole
//   index), with a BM25 weight in 1..16 for t and b, and the word positions
//   for t (phrases).
// - d/<n>.json: document pages of `page_docs` documents, fetched only for
//   the results shown: [kind, title, author, date, state, link, snippet].
// - dates.json: how many documents each day has, for d: ranges.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/content_hash.h"

namespace listdigest::search {

/// One searchable thing. Its text fields are views: the text must outlive
/// BuildIndex (the model's strings, or the caller's). An index of a million
/// documents holds a million of these, so they own nothing but the snippet
/// a few kinds make up.
struct Document {
  char kind = 'm';                // v series version, p patch, r reply, m other message,
                                  // d digest, c contributor
  int64_t date = 0;               // UTC seconds
  std::string_view title;         // field t (phrases work here); shown
  std::string_view body;          // field b: cover letter, patch description; not shown
  std::string_view body_key;      // when not empty, stands for the body in the term cache's
                                  // key: documents with the same body_key have the same body
                                  // (so with body_of the body is read only when not cached)
  std::string_view author;        // shown
  // Field a: the author's names and addresses, as views of up to three
  // texts (a message's own From: name and address and the person's
  // address after the mailmap: what does not change when the author writes
  // again, so the document keeps its terms).
  std::array<std::string_view, 3> author_terms;
  std::string_view series_title;  // field r: the title of the series it is part of
  std::string_view state;         // filter is:<state>; shown
  std::string_view link;          // a path from the site's top ("series/<id>/"), or for
                                  // kinds p, r, m the Message-ID when message_url is set
  std::string snippet;            // shown under the title; when empty, the start of `body`
  uint64_t source = 0;            // the caller's number of the document, unique within its
                                  // kind: orders documents of the same date and kind; for body_of
};

/// What the index is ordered by, for one document: ids follow dates, then
/// kinds (v p r m d c), then `source`.
struct DocumentOrder {
  int64_t date = 0;
  char kind = 'm';
  uint64_t source = 0;  // as Document::source
};

/// Makes document `index` (of the orders given to BuildIndex) when the index
/// needs it: while its terms are read and when its page is written. Called
/// from several threads at once.
using DocumentMaker = std::function<Document(size_t index)>;

/// The start of a text on one line, about 200 bytes cut at a word: what a
/// result shows of a document without a snippet of its own.
std::string Snippet(std::string_view text);

class TermCache;

struct IndexOptions {
  std::string list;         // the list's name (list: queries)
  std::string message_url;  // with {message_id}; may be empty
  size_t shard_bytes = 24 * 1024;
  size_t page_docs = 16;
  /// The block of the segments (see above): the files depend on it.
  size_t segment_docs = 2048;
  int jobs = 1;
  /// Documents tokenized at a time. Their hits are then packed into compact
  /// per-term postings, so memory grows with the packed index, not with the
  /// hits of every document at once. The files do not depend on it. With
  /// a term cache, a batch of the same documents at the same ids as in the
  /// build that filled it is taken whole from it, so a smaller batch leaves
  /// less to read again when a few documents change.
  size_t batch_docs = 2048;
  /// When set, a document's body is what this gives (called from several
  /// threads at once), not its `body`: for bodies that are not in memory.
  std::function<std::string(const Document&)> body_of;
  /// search/term_cache.h: documents indexed by an earlier build are not
  /// tokenized again, and the others are added to it. The files are the
  /// same with or without it. nullptr: tokenize every document.
  TermCache* term_cache = nullptr;
  /// When set, asked before each document page is made, with its path and a
  /// hash of everything it is made from: true when the caller keeps the file
  /// an earlier build made from the same hash, and the page is then neither
  /// made nor handed to the sink. Pages that are made carry the hash
  /// (IndexFile::input). Called from several threads at once.
  std::function<bool(const std::string& path, const model::Hash128& input)> keep_page;
  /// The same for the term shards of a segment: with a term cache that
  /// knows the segment's documents, asked with the paths of all of its
  /// shards and a hash of its documents; true when the caller keeps every
  /// one of them as an earlier build made them from that hash. Shards that
  /// are made carry the hash.
  std::function<bool(const std::vector<std::string>& paths, const model::Hash128& input)>
      keep_files;
};

/// One file of the index; `path` is relative to site/search/.
struct IndexFile {
  std::string path;
  std::string bytes;
  model::Hash128 input;  // with a term cache or keep_page: what the file is made from
};

struct IndexStats {
  size_t batches = 0;         // of batch_docs documents
  size_t batches_cached = 0;  // of them, taken whole from the term cache
  size_t segments = 0;
  size_t segments_kept = 0;   // of them, kept whole (keep_files)
  size_t documents = 0;
  size_t terms = 0;           // of each segment, summed
  size_t shards = 0;
  size_t pages = 0;
  size_t bytes = 0;
};

/// Receives each file of the index as soon as it is complete, from the
/// calling thread.
using FileSink = std::function<void(IndexFile&&)>;

/// Builds every file of the index and hands each to `sink`. Same documents
/// (in any order), same files, byte for byte, for any `jobs` and
/// `batch_docs`. Documents are made by `make` when needed, so that an index
/// of a million documents never holds them all; `orders[i]` must match the
/// date, kind and source of `make(i)`.
void BuildIndex(const std::vector<DocumentOrder>& orders, const DocumentMaker& make,
                const IndexOptions& options, const FileSink& sink, IndexStats* stats = nullptr);
/// The same with every document made beforehand.
void BuildIndex(std::vector<Document> documents, const IndexOptions& options,
                const FileSink& sink, IndexStats* stats = nullptr);
/// The same, collected (for tests and small indexes).
std::vector<IndexFile> BuildIndex(std::vector<Document> documents, const IndexOptions& options,
                                  IndexStats* stats = nullptr);

/// Appends `value` as base64url digits of 5 bits, low bits first; the digit
/// value 32 is added to every digit but the last ("A" is 0, "f" is 31, "gB"
/// is 32). Postings strings are sequences of these.
void AppendNumber(uint64_t value, std::string* out);

/// The numbers of a postings string. Stops at the first invalid character.
std::vector<uint64_t> DecodeNumbers(std::string_view text);

/// The shard holding `key`: the last shard whose first key (`bounds`, the
/// manifest's "shards") is not greater than it, comparing code points.
size_t ShardOf(const std::vector<std::string>& bounds, std::string_view key);

}  // namespace listdigest::search
