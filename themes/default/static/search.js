// listdigest search: the search box in every page's header, and the search
// page (search/index.html) that reads the static index in search/ (its
// format: README.md "Search", generator/search/index.h). No framework;
// results are built as DOM nodes with textContent, archive text is never
// parsed as HTML. Without JavaScript the header form goes to the list's
// lore search; from file:// it still does, since browsers do not let a
// page read files there.
(function () {
  'use strict';

  // ---- Tokenizer: generator/search/tokenizer.cc, rule for rule ----------

  const WORD = 1, CONNECTOR = 2, SEPARATOR = 0;
  const MAX_TERM_BYTES = 64;

  function isNonAsciiSeparator(c) {
    return (c >= 0x80 && c <= 0xBF) || c === 0xD7 || c === 0xF7 || (c >= 0x2000 && c <= 0x2BFF) ||
      (c >= 0x2E00 && c <= 0x2E7F) || (c >= 0x3000 && c <= 0x303F) ||
      (c >= 0xD800 && c <= 0xDFFF) || (c >= 0xE000 && c <= 0xF8FF) ||
      (c >= 0xFE10 && c <= 0xFE1F) || (c >= 0xFE30 && c <= 0xFE6F) || c === 0xFEFF ||
      (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
      (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65) ||
      (c >= 0xFFF0 && c <= 0xFFFF) || (c >= 0x1F000 && c <= 0x1FAFF) || c >= 0xE0000;
  }

  function kindOf(c) {
    if (c < 0x80) {
      if ((c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) ||
          c === 0x5F) return WORD;
      if (c === 0x2E || c === 0x2F || c === 0x2D || c === 0x40) return CONNECTOR;
      return SEPARATOR;
    }
    return isNonAsciiSeparator(c) ? SEPARATOR : WORD;
  }

  function fold(c) {
    if (c >= 0x41 && c <= 0x5A) return c + 32;
    if (c < 0xC0) return c;
    if (c <= 0xDE) return c === 0xD7 ? c : c + 32;
    if (c >= 0x100 && c <= 0x137) return c | 1;
    if (c >= 0x139 && c <= 0x148) return (c & 1) ? c + 1 : c;
    if (c >= 0x14A && c <= 0x177) return c | 1;
    if (c === 0x178) return 0xFF;
    if (c >= 0x179 && c <= 0x17E) return (c & 1) ? c + 1 : c;
    if (c >= 0x391 && c <= 0x3A9 && c !== 0x3A2) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    return c;
  }

  function utf8Bytes(s) {
    let n = 0;
    for (const ch of s) {
      const c = ch.codePointAt(0);
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    }
    return n;
  }

  // [{term, position, group, whole}]: `group` numbers the compounds of the
  // text; `whole` marks the compound itself (its pieces follow it).
  function tokenize(text) {
    const cps = Array.from(String(text), (ch) => ch.codePointAt(0));
    const tokens = [];
    let position = 0, group = 0, i = 0;
    while (i < cps.length) {
      if (kindOf(cps[i]) !== WORD) { i++; continue; }
      let folded = '';
      const segments = [];
      let begin = 0;
      for (;;) {
        while (i < cps.length && kindOf(cps[i]) === WORD) folded += String.fromCodePoint(fold(cps[i++]));
        segments.push([begin, folded.length]);
        if (i + 1 < cps.length && kindOf(cps[i]) === CONNECTOR && kindOf(cps[i + 1]) === WORD) {
          folded += String.fromCodePoint(cps[i++]);
          begin = folded.length;
          continue;
        }
        break;
      }
      const base = position;
      const put = (b, e, at, whole) => {
        const term = folded.slice(b, e);
        if (utf8Bytes(term) <= MAX_TERM_BYTES) tokens.push({ term, position: at, group, whole });
      };
      put(0, folded.length, base, true);
      // The pieces of segments [first, last] between the connectors of
      // `level`: 1 "/" and "@", 2 "-", 3 "." (parts with a non-digit only).
      const split = (first, last, level) => {
        if (level > 3 || first === last) return;
        const cuts = level === 1 ? '/@' : level === 2 ? '-' : '.';
        const cutAfter = (k) => cuts.includes(folded[segments[k][1]]);
        let any = false;
        for (let k = first; k < last && !any; k++) any = cutAfter(k);
        if (!any) { split(first, last, level + 1); return; }
        let begin = first;
        for (let k = first; k <= last; k++) {
          if (k < last && !cutAfter(k)) continue;
          const from = segments[begin][0], to = segments[k][1];
          if (level < 3 || /[^0-9]/.test(folded.slice(from, to))) put(from, to, base + begin, false);
          split(begin, k, level + 1);
          begin = k + 1;
        }
      };
      split(0, segments.length - 1, 1);
      position += segments.length;
      group++;
    }
    return tokens;
  }

  // The terms a query word stands for: each compound whole, or its pieces
  // when the compound is too long to be a term.
  function wordTerms(text) {
    const tokens = tokenize(text);
    const groups = new Map();
    for (const t of tokens) {
      if (!groups.has(t.group)) groups.set(t.group, []);
      groups.get(t.group).push(t);
    }
    const terms = [];
    for (const list of groups.values()) {
      const whole = list.find((t) => t.whole);
      if (whole) terms.push(whole.term);
      else for (const t of list) terms.push(t.term);
    }
    return terms;
  }

  // ---- Postings: generator/search/index.cc AppendNumber ----------------

  const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const DIGIT_VALUE = new Int8Array(128).fill(-1);
  for (let k = 0; k < 64; k++) DIGIT_VALUE[DIGITS.charCodeAt(k)] = k;

  function decodeNumbers(text) {
    const out = [];
    let value = 0, scale = 1;
    for (let k = 0; k < text.length; k++) {
      const c = text.charCodeAt(k);
      const d = c < 128 ? DIGIT_VALUE[c] : -1;
      if (d < 0) break;
      value += (d & 31) * scale;
      if (d < 32) { out.push(value); value = 0; scale = 1; } else scale *= 32;
    }
    return out;
  }

  // Map id -> {w, positions} for t, {w} for b, {} for a, r, f.
  function decodePostings(text, field) {
    const n = decodeNumbers(text || '');
    const out = new Map();
    let doc = -1;
    for (let k = 0; k < n.length;) {
      const v = n[k++];
      if (field === 't' || field === 'b') {
        doc += Math.floor(v / 16) + 1;
        const hit = { w: (v % 16) + 1 };
        if (field === 't') {
          hit.positions = [];
          let at = 0, more = 1;
          while (more && k < n.length) {
            const p = n[k++];
            at += Math.floor(p / 2);
            more = p % 2;
            hit.positions.push(at);
          }
        }
        out.set(doc, hit);
      } else {
        doc += v + 1;
        out.set(doc, {});
      }
    }
    return out;
  }

  // Code point order, as the generator sorts terms (UTF-8 byte order).
  function compareKeys(a, b) {
    const x = Array.from(a), y = Array.from(b);
    for (let k = 0; k < x.length && k < y.length; k++) {
      const d = x[k].codePointAt(0) - y[k].codePointAt(0);
      if (d) return d;
    }
    return x.length - y.length;
  }

  function shardOf(bounds, key) {
    let lo = 0, hi = bounds.length;  // the last bound <= key
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(bounds[mid], key) <= 0) lo = mid; else hi = mid;
    }
    return lo;
  }

  // ---- Query language ---------------------------------------------------

  const PREFIXES = {
    from: 'from', f: 'from', subject: 'subject', s: 'subject', body: 'body', b: 'body',
    series: 'series', is: 'is', d: 'date', date: 'date', list: 'list',
  };
  const STATES = ['applied', 'new', 'reviewed', 'superseded', 'no-reply'];

  // Splits a query into clauses: {op, value, phrase, negated}. op is
  // "word", "from", "subject", "body", "series", "is", "date" or "list".
  function parseQuery(query) {
    const clauses = [];
    const re = /(-?)(?:([A-Za-z]+):)?(?:"([^"]*)"?|(\S+))/g;
    let m;
    while ((m = re.exec(query)) !== null) {
      const negated = m[1] === '-';
      const name = m[2] ? m[2].toLowerCase() : '';
      const phrase = m[3] !== undefined;
      let value = phrase ? m[3] : m[4];
      let op = 'word';
      if (name && PREFIXES[name]) op = PREFIXES[name];
      else if (name) value = m[2] + ':' + (phrase ? '"' + value + '"' : value);
      if (!value && !phrase) continue;
      clauses.push({ op, value, phrase, negated });
    }
    return clauses;
  }

  function dayNumber(y, m, d) { return Math.floor(Date.UTC(y, m - 1, d) / 86400000); }

  // One end of a d: range as [first day, last day]: 2020, 2020-03,
  // 2020-03-08, 20200308, or N.days.ago / N.weeks.ago / … (from today).
  function parseDay(text) {
    let m = /^(\d{4})(?:-?(\d{2})(?:-?(\d{2}))?)?$/.exec(text);
    if (m) {
      const y = Number(m[1]);
      if (!m[2]) return [dayNumber(y, 1, 1), dayNumber(y + 1, 1, 1) - 1];
      const mo = Number(m[2]);
      if (mo < 1 || mo > 12) return null;
      if (!m[3]) return [dayNumber(y, mo, 1), dayNumber(y, mo + 1, 1) - 1];
      const d = Number(m[3]);
      if (d < 1 || d > 31) return null;
      return [dayNumber(y, mo, d), dayNumber(y, mo, d)];
    }
    m = /^(\d+)\.(day|week|month|year)s?\.ago$/.exec(text);
    if (m) {
      const days = { day: 1, week: 7, month: 30, year: 365 }[m[2]] * Number(m[1]);
      const today = Math.floor(Date.now() / 86400000);
      return [today - days, today - days];
    }
    return null;
  }

  // [first day, last day] of "A..B", "A..", "..B" or "A".
  function parseDateRange(text) {
    const dots = text.indexOf('..');
    if (dots < 0) return parseDay(text);
    const a = text.slice(0, dots), b = text.slice(dots + 2);
    const from = a ? parseDay(a) : [-Infinity, -Infinity];
    const to = b ? parseDay(b) : [Infinity, Infinity];
    if (!from || !to || (!a && !b)) return null;
    return [from[0], to[1]];
  }

  // ---- The index --------------------------------------------------------

  const FIELD_BOOST = { t: 2, b: 1, a: 0.5, r: 0.5 };
  const KIND_LABEL = {
    v: 'Series', p: 'Patch', r: 'Reply', m: 'Message', d: 'Digest', c: 'Contributor',
  };
  const PAGE = 10;

  class Index {
    constructor(base) {
      this.base = base;
      this.cache = new Map();
    }
    load(path) {
      if (!this.cache.has(path)) {
        const url = new URL(path, this.base);
        this.cache.set(path, fetch(url).then((r) => {
          if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
          return r.json();
        }));
        this.cache.get(path).catch(() => this.cache.delete(path));
      }
      return this.cache.get(path);
    }
    manifest() {
      return this.load('manifest.json').then((m) => {
        if (m.format !== 2) throw new Error(`manifest.json: format ${m.format}, this page reads 2`);
        return m;
      });
    }
  }

  function idf(n, df) { return Math.log(1 + (n - df + 0.5) / (df + 0.5)); }

  // Turns clauses into what to fetch and how to match. Returns
  // {terms: [{key, fields, phrase, negated}], filters, problems}.
  function plan(clauses, manifest) {
    const stop = new Set(manifest.stopwords || []);
    const common = new Set(manifest.common || []);
    const terms = [], problems = [];
    let date = null, lists = null, droppedStop = false;
    const fieldsOf = { word: ['t', 'b', 'a'], from: ['a'], subject: ['t'], body: ['b'], series: ['r'] };
    for (const c of clauses) {
      if (c.op === 'is') {
        const state = c.value.toLowerCase();
        if (!STATES.includes(state)) {
          problems.push(`is: takes ${STATES.join(', ')}; not "${c.value}"`);
          continue;
        }
        terms.push({ keys: ['is:' + state], fields: ['f'], negated: c.negated, filter: true });
      } else if (c.op === 'date') {
        const range = parseDateRange(c.value);
        if (!range) {
          problems.push(`d: takes dates such as 2020-01..2020-06, 2019-12-01.., ..2020 or 2.weeks.ago..; not "${c.value}"`);
          continue;
        }
        date = date ? [Math.max(date[0], range[0]), Math.min(date[1], range[1])] : range;
      } else if (c.op === 'list') {
        const name = c.value.toLowerCase();
        const found = (manifest.lists || []).filter((l) => String(l.name).toLowerCase() === name);
        lists = (lists || []).concat(found.length ? found : [{ first: 0, end: 0 }]);
      } else if (c.phrase && (c.op === 'word' || c.op === 'subject')) {
        const tokens = tokenize(c.value);
        if (!tokens.length) continue;
        const start = tokens[0].position;
        terms.push({
          keys: tokens.map((t) => t.term), offsets: tokens.map((t) => t.position - start),
          fields: ['t'], phrase: true, negated: c.negated,
        });
      } else {
        for (const term of wordTerms(c.value)) {
          if (c.op === 'word' && stop.has(term)) { droppedStop = true; continue; }
          terms.push({ keys: [term], fields: fieldsOf[c.op], negated: c.negated,
                       common: ['word', 'subject', 'body'].includes(c.op) && common.has(term) });
        }
      }
    }
    // A word in a tenth of the documents or more ("kvm") has the longest
    // postings and the least weight: with a rarer word or a phrase in the
    // query it is not fetched, and not required.
    const narrowing = terms.some((t) => !t.negated && !t.filter && !t.common &&
                                        (t.phrase || t.fields.includes('t') || t.fields.includes('b')));
    const skipped = narrowing ? terms.filter((t) => t.common && !t.negated) : [];
    return { terms: terms.filter((t) => !skipped.includes(t)), skipped: skipped.map((t) => t.keys[0]),
             date, lists, problems, droppedStop };
  }

  // The file of each segment's shard that holds `key`.
  function shardPaths(manifest, key) {
    return manifest.segments.map((s) => `t/${s.name}/${shardOf(s.shards, key)}.json`);
  }

  // Map id -> hit of one term in one field, from every segment (their ids
  // are the whole index's, and no two segments have the same document).
  function postingsOf(key, field, shards, manifest) {
    const out = new Map();
    for (const path of shardPaths(manifest, key)) {
      const entry = (shards.get(path) || {})[key];
      if (!entry || !entry[field]) continue;
      for (const [doc, hit] of decodePostings(entry[field], field)) out.set(doc, hit);
    }
    return out;
  }

  // Map id -> score for one planned term.
  function matchTerm(term, shards, manifest) {
    const n = manifest.docs, bm = manifest.bm25;
    const unit = (bm.k1 + 1) * bm.scale / bm.levels;
    if (!term.phrase) {
      const scores = new Map();
      for (const f of term.fields) {
        const postings = postingsOf(term.keys[0], f, shards, manifest);
        if (!postings.size) continue;
        const weight = idf(n, postings.size) * (FIELD_BOOST[f] || 0);
        for (const [doc, hit] of postings) {
          scores.set(doc, (scores.get(doc) || 0) + weight * (hit.w ? hit.w * unit : 1));
        }
      }
      return scores;
    }
    // A phrase: every word in the subject, each at its offset from the first.
    const lists = term.keys.map((key) => postingsOf(key, 't', shards, manifest));
    const scores = new Map();
    const smallest = lists.reduce((a, b) => (a.size <= b.size ? a : b));
    for (const doc of smallest.keys()) {
      const hits = lists.map((l) => l.get(doc));
      if (hits.some((h) => !h)) continue;
      const sets = hits.map((h) => new Set(h.positions));
      const found = hits[0].positions.some((p) => {
        const start = p - term.offsets[0];
        return term.offsets.every((o, k) => sets[k].has(start + o));
      });
      if (!found) continue;
      let s = 0;
      hits.forEach((h, k) => { s += idf(n, lists[k].size) * FIELD_BOOST.t * h.w * unit; });
      scores.set(doc, s);
    }
    return scores;
  }

  // Ids [first, end) of the documents dated in [first day, last day].
  function idRange(dates, range) {
    const n = decodeNumbers(dates.days);
    let day = dates.first_day, id = 0, first = -1, end = -1;
    for (let k = 0; k + 1 < n.length; k += 2) {
      day += n[k];
      if (first < 0 && day >= range[0]) first = id;
      if (end < 0 && day > range[1]) end = id;
      id += n[k + 1];
    }
    if (first < 0) first = id;
    if (end < 0) end = id;
    return [first, Math.max(first, end)];
  }

  // Runs a query: resolves to {ids (ranked), problems, droppedStop} or
  // throws when the index cannot be read.
  async function search(index, query) {
    const manifest = await index.manifest();
    const p = plan(parseQuery(query), manifest);
    const positive = p.terms.filter((t) => !t.negated);
    if (!positive.length && !p.date && !p.lists) return { ids: [], manifest, ...p };
    const paths = new Set();
    for (const t of p.terms) for (const k of t.keys) for (const f of shardPaths(manifest, k)) paths.add(f);
    const shards = new Map();  // path -> shard
    const loads = [...paths].sort().map((path) =>
      index.load(path).then((j) => shards.set(path, j)));
    let dates = null;
    if (p.date) loads.push(index.load('dates.json').then((j) => { dates = j; }));
    await Promise.all(loads);
    const shardsArrived = performance.now();

    let scores = null;  // Map id -> score, or null for "every document"
    const byScarcity = positive.map((t) => matchTerm(t, shards, manifest))
      .sort((a, b) => a.size - b.size);
    for (const s of byScarcity) {
      if (scores === null) { scores = s; continue; }
      const next = new Map();
      for (const [doc, v] of scores) if (s.has(doc)) next.set(doc, v + s.get(doc));
      scores = next;
    }
    const ranges = [];
    if (p.date) ranges.push([idRange(dates, p.date)]);
    if (p.lists) ranges.push(p.lists.map((l) => [l.first, l.end]));
    const inRanges = (doc) => ranges.every((rs) => rs.some(([a, b]) => doc >= a && doc < b));
    if (scores === null) {
      // Only ranges: every document in them.
      scores = new Map();
      for (const [from, to] of ranges[0]) for (let d = from; d < to; d++) scores.set(d, 0);
    }
    const excluded = p.terms.filter((t) => t.negated).map((t) => matchTerm(t, shards, manifest));
    const ids = [];
    for (const [doc] of scores) {
      if (inRanges(doc) && !excluded.some((x) => x.has(doc))) ids.push(doc);
    }
    // Best score first (the kind's boost is in the weights); recency, a
    // higher id, breaks ties.
    ids.sort((x, y) => (scores.get(y) - scores.get(x)) || (y - x));
    return { ids, scores, manifest, shardsArrived, ranked: performance.now(), ...p };
  }

  async function documents(index, manifest, ids) {
    const pages = new Map();
    await Promise.all([...new Set(ids.map((id) => Math.floor(id / manifest.page_docs)))].map((pg) =>
      index.load(`d/${pg}.json`).then((j) => pages.set(pg, j))));
    return ids.map((id) => {
      const r = pages.get(Math.floor(id / manifest.page_docs))[id % manifest.page_docs] || [];
      return { id, kind: r[0], title: r[1], author: r[2], date: r[3], state: r[4], link: r[5], snippet: r[6] };
    });
  }

  // ---- The page ---------------------------------------------------------

  const api = { tokenize, wordTerms, decodeNumbers, decodePostings, compareKeys, shardOf,
                shardPaths, parseQuery, parseDateRange, plan, search, Index };
  if (typeof document === 'undefined') {
    globalThis.ListdigestSearch = api;
    return;
  }

  const script = document.currentScript;
  const scriptUrl = script && script.src ? script.src : location.href;
  const siteRoot = new URL('../', scriptUrl);
  const indexBase = new URL('../search/', scriptUrl);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c);  // strings become text nodes
    return node;
  }

  function resultUrl(manifest, doc) {
    if (!doc.link) return null;
    let url;
    if ('prm'.includes(doc.kind) && manifest.message_url) {
      // render::UrlEncode's set of kept characters.
      const id = encodeURIComponent(doc.link)
        .replace(/%(40|2B|3D|24|2C|3B|3A)/g, (s) => decodeURIComponent(s))
        .replace(/[*'()]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
      url = new URL(manifest.message_url.replace('{message_id}', id));
    } else {
      url = new URL(doc.link.endsWith('/') ? doc.link + 'index.html' : doc.link, siteRoot);
    }
    return ['http:', 'https:', 'file:'].includes(url.protocol) ? url.href : null;
  }

  // The snippet with the query's words marked.
  function snippetNode(text, words) {
    const p = el('p', { class: 'snippet' });
    const re = /[\p{L}\p{N}\p{M}_]+/gu;
    let last = 0, m;
    while ((m = re.exec(text)) !== null) {
      const folded = Array.from(m[0], (ch) => String.fromCodePoint(fold(ch.codePointAt(0)))).join('');
      if (!words.has(folded)) continue;
      p.append(text.slice(last, m.index), el('mark', {}, m[0]));
      last = m.index + m[0].length;
    }
    p.append(text.slice(last));
    return p;
  }

  function resultNode(manifest, doc, words) {
    const url = resultUrl(manifest, doc);
    const title = url ? el('a', { href: url, class: 'result-title' }, doc.title || '(no subject)')
      : el('span', { class: 'result-title' }, doc.title || '(no subject)');
    const meta = el('p', { class: 'meta' }, el('span', { class: 'kind' }, KIND_LABEL[doc.kind] || ''));
    if (doc.author && doc.kind !== 'c') meta.append(' · ', doc.author);
    if (doc.date) meta.append(' · ', el('time', { datetime: doc.date }, doc.date));
    if (doc.state) meta.append(' · ', el('span', { class: `state state-${doc.state}` }, doc.state));
    const li = el('li', { class: `result result-${doc.kind}`, 'data-id': String(doc.id) },
      el('h2', {}, title), meta);
    if (doc.snippet) li.append(snippetNode(doc.snippet, words));
    return li;
  }

  function fallbackLink(query) {
    const form = document.querySelector('form.search-box');
    const action = form && form.getAttribute('action');
    if (!action || !/^https:\/\//.test(action)) return null;
    const url = new URL(action);
    url.searchParams.set('q', query);
    return el('a', { href: url.href }, 'search the list on lore');
  }

  function setupSearchPage() {
    const form = document.getElementById('search-form');
    const input = document.getElementById('search-input');
    const status = document.getElementById('search-status');
    const list = document.getElementById('search-results');
    const more = document.getElementById('search-more');
    const index = new Index(indexBase);
    let run = 0;

    function say(...parts) { status.replaceChildren(...parts); }

    async function show(query) {
      const mine = ++run;
      list.replaceChildren();
      more.hidden = true;
      list.dataset.query = query;
      if (!query.trim()) { say(''); list.dataset.state = 'done'; return; }
      if (location.protocol === 'file:') {
        const link = fallbackLink(query);
        say('Search reads the index over HTTP, which browsers do not allow from a file:// page. ' +
            'Serve the site (python3 -m http.server) or ', link || 'use lore', '.');
        list.dataset.state = 'error';
        return;
      }
      list.dataset.state = 'loading';
      say('Searching…');
      const start = performance.now();
      let found;
      try {
        found = await search(index, query);
      } catch (e) {
        if (mine !== run) return;
        const link = fallbackLink(query);
        say(`The search index could not be loaded (${e.message}). Try again later`,
            ...(link ? [', or ', link] : []), '.');
        list.dataset.state = 'error';
        return;
      }
      if (mine !== run) return;
      const keys = found.terms.flatMap((t) => t.keys).concat(found.skipped);
      const words = new Set(keys.flatMap((k) => tokenize(k).map((x) => x.term)));
      const skipped = found.skipped.length
        ? `${found.skipped.map((k) => `“${k}”`).join(', ')} ${found.skipped.length === 1 ? 'is' : 'are'} in too many documents to narrow the search. `
        : '';
      const problems = (found.problems.length ? found.problems.join('; ') + '. ' : '') + skipped;
      if (!found.ids.length) {
        const link = fallbackLink(query);
        const why = !found.terms.length && !found.date && !found.lists && found.droppedStop
          ? 'Only common words ("the", "of", …): put them in quotes to find a subject. ' : '';
        say(problems + why + `No results for “${query}”.`, ...(link ? [' You can ', link, '.'] : []));
        list.dataset.state = 'done';
        return;
      }
      let shown = 0;
      async function showMore() {
        const ids = found.ids.slice(shown, shown + PAGE);
        let docs;
        try {
          docs = await documents(index, found.manifest, ids);
        } catch (e) {
          say(`The search index could not be loaded (${e.message}).`);
          list.dataset.state = 'error';
          return;
        }
        if (mine !== run) return;
        list.append(...docs.map((d) => resultNode(found.manifest, d, words)));
        shown += ids.length;
        more.hidden = shown >= found.ids.length;
        const n = found.ids.length;
        say(problems + `${n} result${n === 1 ? '' : 's'} for “${query}”` +
            (n > shown ? `, showing the first ${shown}.` : '.'));
      }
      await showMore();
      if (mine !== run) return;
      const rendered = performance.now();
      // For scripts/bench search: query to shards, shards to ranked ids,
      // shards to results shown (with the document pages' fetch).
      list.dataset.timeShards = String(Math.round(found.shardsArrived - start));
      list.dataset.timeRank = String(Math.round(found.ranked - found.shardsArrived));
      list.dataset.timeResults = String(Math.round(rendered - found.shardsArrived));
      list.dataset.state = 'done';
      more.onclick = async () => {
        list.dataset.state = 'loading';
        await showMore();
        list.dataset.state = 'done';
      };
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const q = input.value;
      history.pushState(null, '', '?q=' + encodeURIComponent(q));
      show(q);
    });
    window.addEventListener('popstate', () => {
      input.value = new URLSearchParams(location.search).get('q') || '';
      show(input.value);
    });
    input.value = new URLSearchParams(location.search).get('q') || '';
    say('');
    if (input.value) show(input.value);
    else list.dataset.state = 'done';
  }

  function setupHeaderBox() {
    for (const form of document.querySelectorAll('form.search-box')) {
      form.addEventListener('submit', (event) => {
        // From a file the index cannot be read: the form goes to lore.
        if (location.protocol === 'file:' || !form.dataset.searchPage) return;
        event.preventDefault();
        const q = form.elements.q.value;
        const page = new URL(form.dataset.searchPage, location.href);
        page.search = '?q=' + encodeURIComponent(q);
        location.assign(page.href);
      });
    }
  }

  function start() {
    setupHeaderBox();
    if (document.getElementById('search-form')) setupSearchPage();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
