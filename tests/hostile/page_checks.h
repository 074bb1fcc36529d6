// Checks on a built site that hostile mail must never get past: scripts and
// handlers that are not the theme's, links that are not http(s) or mailto,
// JSON and XML that do not parse, odd file names. And running the listdigest
// binary with its time and peak memory measured.
#pragma once

#include <string>
#include <vector>

namespace listdigest::testing {

/// One problem found in a page: "digests/2021-W09/index.html: <script> without src".
using Problems = std::vector<std::string>;

/// Scans an HTML page (a small tokenizer: tags, attributes, comments,
/// script contents) and reports every <script> that is not the theme's own
/// `<script src="…static/NAME.js">` without inline code, every `on…=`
/// attribute, every href/src/action whose scheme is not http, https or
/// mailto, embedding elements (iframe, object, embed, base, svg, math,
/// style), a meta refresh, and a page without the theme's CSP meta tag.
Problems CheckHtml(const std::string& name, const std::string& html);

/// Reports text that should never reach a reader: invalid UTF-8, C0 and C1
/// control characters other than tab, line feed and form feed, and the
/// bidirectional embeddings, overrides and isolates (U+202A…E, U+2066…9).
Problems CheckText(const std::string& name, const std::string& text);

/// Reports every file or folder under `site` that is not a regular file or
/// folder, or whose name is not [A-Za-z0-9_][A-Za-z0-9._-]* of at most 128
/// bytes (or the generator's own ".listdigest-…" at the top), or that
/// resolves outside `site`. Fills `files` with the relative
/// paths of the regular files, sorted.
Problems CheckTree(const std::string& site, std::vector<std::string>* files);

/// What one run of a program cost: its own wall and CPU time and peak
/// resident memory (getrusage of a small python3 parent).
struct Measured {
  int status = -1;  // exit status, or -1 when it did not exit
  double wall_seconds = 0;
  double cpu_seconds = 0;  // user + system
  long max_rss_kb = 0;
  std::string output;  // standard output and error
};

/// Runs `argv` (argv[0] is the program's path) with standard output and
/// error captured.
Measured RunMeasured(const std::vector<std::string>& argv);

}  // namespace listdigest::testing
