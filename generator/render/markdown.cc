#include "render/markdown.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <memory>
#include <mutex>

namespace listdigest::render {
namespace {

// cmark-gfm keeps its extensions in a process-wide registry; registering
// is not safe to race with a parser looking one up.
void RegisterExtensionsOnce() {
  static std::once_flag once;
  std::call_once(once, [] { cmark_gfm_core_extensions_ensure_registered(); });
}

struct ParserDeleter {
  void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeDeleter {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterDeleter {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};
struct BufferDeleter {
  void operator()(char* p) const { cmark_get_default_mem_allocator()->free(p); }
};

// Move-only owners of the parser, the document tree (a root node owns its
// children), an iterator over it and the HTML buffer it renders to.
using Parser = std::unique_ptr<cmark_parser, ParserDeleter>;
using Document = std::unique_ptr<cmark_node, NodeDeleter>;
using Iterator = std::unique_ptr<cmark_iter, IterDeleter>;
using Buffer = std::unique_ptr<char, BufferDeleter>;

// Safe mode is cmark's default (no CMARK_OPT_UNSAFE): raw HTML and
// javascript:/vbscript:/file:/data: URLs are left out.
constexpr int kOptions = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;
constexpr const char* kExtensions[] = {"table", "autolink", "strikethrough", "tagfilter"};

// The plain text of a heading: "About *this* `site`" -> "About this site".
std::string TextOf(cmark_node* heading) {
  std::string text;
  Iterator iter(cmark_iter_new(heading));
  for (cmark_event_type ev; (ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE;) {
    if (ev != CMARK_EVENT_ENTER) continue;
    cmark_node* node = cmark_iter_get_node(iter.get());
    const cmark_node_type type = cmark_node_get_type(node);
    if (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE) {
      if (const char* literal = cmark_node_get_literal(node)) text += literal;
    } else if (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK) {
      text += ' ';
    }
  }
  return text;
}

}  // namespace

Markdown RenderMarkdown(std::string_view text) {
  RegisterExtensionsOnce();
  Parser parser(cmark_parser_new(kOptions));
  for (const char* name : kExtensions) {
    if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name)) {
      cmark_parser_attach_syntax_extension(parser.get(), ext);
    }
  }
  cmark_parser_feed(parser.get(), text.data(), text.size());
  Document doc(cmark_parser_finish(parser.get()));
  Markdown out;
  if (!doc) return out;
  cmark_node* first = cmark_node_first_child(doc.get());
  if (first && cmark_node_get_type(first) == CMARK_NODE_HEADING &&
      cmark_node_get_heading_level(first) == 1) {
    out.title = TextOf(first);
  }
  // The extension list belongs to the parser, which outlives the call.
  Buffer html(
      cmark_render_html(doc.get(), kOptions, cmark_parser_get_syntax_extensions(parser.get())));
  if (html) out.html = html.get();
  return out;
}

}  // namespace listdigest::render
