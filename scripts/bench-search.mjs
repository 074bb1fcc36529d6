// The browser half of `scripts/bench search`: runs each query on the built
// site's search page in headless chromium (a fresh context each, so nothing
// is cached) and reports what it downloaded and how long it took; with
// PAGEFIND=1, the same queries through Pagefind's index of the same HTML.
//   usage: LISTDIGEST_SITE=<site> node scripts/bench-search.mjs QUERIES.json
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { serve, launch, siteDir } from '../tests/browser/helpers.mjs';

const queries = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const gzipSize = new Map();
function gzipped(rel) {
  if (!gzipSize.has(rel)) {
    gzipSize.set(rel, zlib.gzipSync(fs.readFileSync(path.join(siteDir, rel)), { level: 6 }).length);
  }
  return gzipSize.get(rel);
}

const server = await serve(siteDir, '/');
const browser = await launch();
const rows = [];
for (const query of queries) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const files = [];
  page.on('requestfinished', async (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/search/') && url.pathname.endsWith('.json')) {
      files.push(decodeURIComponent(url.pathname.slice(1)));
    }
  });
  await page.goto(`${server.url}search/index.html?q=${encodeURIComponent(query)}`);
  await page.waitForSelector('#search-results[data-state=done], #search-results[data-state=error]',
    { state: 'attached', timeout: 60000 });
  const info = await page.evaluate(() => {
    const list = document.getElementById('search-results');
    return { results: list.children.length, status: document.getElementById('search-status').textContent,
             shards: Number(list.dataset.timeShards || 0), rank: Number(list.dataset.timeRank || 0),
             render: Number(list.dataset.timeResults || 0) };
  });
  const sizes = files.map((f) => fs.statSync(path.join(siteDir, f)).size);
  rows.push({
    query, results: (/(\d+) results? for/.exec(info.status) || [0, 0])[1] + ' results',
    files: files.length, bytes: sizes.reduce((a, b) => a + b, 0),
    gzip: files.reduce((a, f) => a + gzipped(f), 0),
    manifest: files.includes('search/manifest.json') ? fs.statSync(path.join(siteDir, 'search/manifest.json')).size : 0,
    shardsMs: info.shards, rankMs: info.rank, renderMs: info.render,
  });
  await context.close();
}

let pagefind = null;
if (process.env.PAGEFIND === '1') {
  // A bare page of the same origin that loads Pagefind's own API.
  fs.writeFileSync(path.join(siteDir, 'pagefind-bench.html'), '<!DOCTYPE html><title>bench</title>');
  pagefind = [];
  for (const query of queries) {
    const context = await browser.newContext();
    const page = await context.newPage();
    let bytes = 0, files = 0;
    page.on('requestfinished', async (request) => {
      const url = new URL(request.url());
      if (!url.pathname.startsWith('/pagefind/')) return;
      files++;
      bytes += fs.statSync(path.join(siteDir, decodeURIComponent(url.pathname.slice(1)))).size;
    });
    await page.goto(`${server.url}pagefind-bench.html`);
    const result = await page.evaluate(async (q) => {
      const start = performance.now();
      const pf = await import('/pagefind/pagefind.js');
      await pf.init();
      // Pagefind reads unquoted words; lore-style prefixes mean nothing to it.
      const words = q.replace(/\b[a-z]+:("[^"]*"|\S+)/g, (m, v) => v).replace(/"/g, '');
      const search = await pf.search(words);
      await Promise.all(search.results.slice(0, 10).map((r) => r.data()));
      return { results: search.results.length, ms: performance.now() - start };
    }, query);
    pagefind.push({ query, results: result.results, files, bytes, ms: Math.round(result.ms) });
    await context.close();
  }
  fs.rmSync(path.join(siteDir, 'pagefind-bench.html'));
}
await browser.close();
server.close();
process.stdout.write(JSON.stringify({ rows, pagefind }) + '\n');
