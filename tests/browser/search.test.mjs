// Search in a real browser over the sample site, served under a prefix as a
// list archive often is (/lists/kvm/): typed queries give the exact first
// results, and the page fetches only the manifest, the shards of the
// query's terms and the document pages of the results it shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, open, siteDir } from './helpers.mjs';

const prefix = '/lists/kvm/';
const manifest = JSON.parse(fs.readFileSync(path.join(siteDir, 'search/manifest.json'), 'utf8'));

// The shard files of a term, one per segment, by code point order (as the
// generator cuts them).
function shardFiles(term) {
  const cmp = (a, b) => {
    const x = Array.from(a, (c) => c.codePointAt(0)), y = Array.from(b, (c) => c.codePointAt(0));
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  };
  return manifest.segments.map((segment) => {
    let shard = 0;
    segment.shards.forEach((bound, i) => { if (cmp(bound, term) <= 0) shard = i; });
    return `t/${segment.name}/${shard}.json`;
  });
}

let server, browser;
before(async () => { server = await serve(siteDir, prefix); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

// Types `query` into the search page's box; returns the shown results and
// the index files fetched for it.
async function typeQuery(page, query) {
  server.requests.length = 0;
  await page.fill('#search-input', query);
  await page.press('#search-input', 'Enter');
  await page.waitForSelector(`#search-results[data-state=done][data-query="${query.replace(/"/g, '\\"')}"]`,
    { state: 'attached' });
  const results = await page.locator('#search-results > li').evaluateAll((items) => items.map((li) => ({
    id: Number(li.dataset.id),
    title: li.querySelector('h2').textContent,
    meta: li.querySelector('.meta').textContent,
    href: li.querySelector('h2 a')?.getAttribute('href') ?? null,
    marks: Array.from(li.querySelectorAll('.snippet mark'), (m) => m.textContent),
  })));
  const fetched = server.requests.filter((p) => p.startsWith(`${prefix}search/`))
    .map((p) => p.slice(`${prefix}search/`.length)).sort();
  // The manifest is read once per page, by its first query.
  const manifestReads = fetched.filter((f) => f === 'manifest.json').length;
  assert.ok(manifestReads <= 1);
  return { results, fetched, status: await page.locator('#search-status').textContent() };
}

function expectedFiles(terms, results, { dates = false, first = true } = {}) {
  const files = new Set(terms.flatMap((t) => shardFiles(t)));
  if (first) files.add('manifest.json');
  for (const r of results) files.add(`d/${Math.floor(r.id / manifest.page_docs)}.json`);
  if (dates) files.add('dates.json');
  return [...files].sort();
}

async function searchPage() {
  const opened = await open(browser, `${server.url}search/index.html`);
  await opened.page.waitForSelector('#search-results[data-state=done]', { state: 'attached' });
  return opened;
}

test('a word: the cover letter that names it comes first; one shard is fetched', async () => {
  const { page, problems, context } = await searchPage();
  const { results, fetched, status } = await typeQuery(page, 'GICv4');
  // Of the series' three versions, which match alike, the newest.
  assert.equal(results[0].title, '[PATCH v3 00/32] irqchip/gic-v4: GICv4.1 architecture support');
  assert.equal(results[0].meta, 'Series · Marc Zyngier · 2019-12-24 · new');
  assert.equal(results[0].href,
    `${server.url}series/irqchip-gic-v4-gicv4-1-architecture-support-3117833/index.html`);
  assert.ok(results[0].marks.length > 0 && results[0].marks.every((m) => m.toLowerCase() === 'gicv4'),
    JSON.stringify(results[0].marks));
  assert.equal(results.length, 10);
  assert.match(status, /^\d+ results for “GICv4”, showing the first 10\.$/);
  // The manifest and one shard of each segment, then the pages of the ten
  // results.
  assert.deepEqual(fetched, expectedFiles(['gicv4'], results));
  assert.equal(fetched.filter((f) => f.startsWith('t/')).length, manifest.segments.length);
  // More results: ten more, from their document pages only.
  server.requests.length = 0;
  await page.click('#search-more');
  await page.waitForFunction(() => document.querySelectorAll('#search-results > li').length === 20);
  assert.ok(server.requests.every((p) => p.startsWith(`${prefix}search/d/`)), server.requests.join(' '));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a prefix query: from: with a word, the author\'s series first', async () => {
  const { page, problems, context } = await searchPage();
  const { results, fetched } = await typeQuery(page, 'from:zyngier its');
  // Two cover letters of the series on the ITS translation cache (the
  // shortest, whose words weigh most, first), then the patches that name
  // the ITS twice in their subjects, with the series' second version.
  assert.deepEqual(results.slice(0, 2).map((r) => r.title), [
    '[PATCH 0/8] KVM: arm/arm64: vgic: ITS translation cache',
    '[PATCH v3 00/10] KVM: arm/arm64: vgic: ITS translation cache',
  ]);
  assert.ok(results.some((r) => r.title === '[PATCH v2 0/9] KVM: arm/arm64: vgic: ITS translation cache'));
  assert.ok(results.every((r) => r.meta.includes('Marc Zyngier')), JSON.stringify(results));
  assert.deepEqual(fetched, expectedFiles(['zyngier', 'its'], results));
  // A message links to the list's archive.
  const { results: mails } = await typeQuery(page, 'f:maz@kernel.org "translation cache"');
  assert.equal(mails[0].title,
    '[PATCH 01/17] KVM: arm/arm64: vgic: Add LPI translation cache definition');
  assert.equal(mails[0].href, 'https://lore.kernel.org/kvmarm/20190909134807.27978-2-maz@kernel.org/');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a phrase matches the words in order in subjects', async () => {
  const { page, problems, context } = await searchPage();
  const { results, fetched } = await typeQuery(page, '"stage 2"');
  assert.equal(results[0].title,
    '[PATCH v3 0/2] Improve handling of stage 2 aborts without instruction decode');
  // "Stage-2" is the same phrase; every result has the two words in a row.
  assert.ok(results.every((r) => /stage[ -]2/i.test(r.title)), JSON.stringify(results.map((r) => r.title)));
  assert.deepEqual(fetched, expectedFiles(['stage', '2'], results));
  assert.deepEqual(problems, []);
  await context.close();
});

test('an is: filter keeps series versions in that state', async () => {
  const { page, problems, context } = await searchPage();
  const { results, fetched, status } = await typeQuery(page, 'is:applied vgic');
  assert.equal(status, '7 results for “is:applied vgic”.');
  assert.equal(results[0].title,
    '[PATCH] KVM: arm/arm64: vgic: Make function comments match function declarations');
  assert.ok(results.every((r) => r.meta.startsWith('Series') && r.meta.endsWith(' · applied')));
  assert.deepEqual(fetched, expectedFiles(['is:applied', 'vgic'], results));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a date range narrows a word to the documents of those months', async () => {
  const { page, problems, context } = await searchPage();
  const { results, fetched } = await typeQuery(page, 'vgic d:2019-12..2020-01');
  assert.ok(results.length > 0);
  for (const r of results) assert.match(r.meta, / · (2019-12|2020-01)-\d\d/);
  assert.deepEqual(fetched, expectedFiles(['vgic'], results, { dates: true }));
  assert.deepEqual(problems, []);
  await context.close();
});

test('no results: the page says so and offers lore', async () => {
  const { page, problems, context } = await searchPage();
  const { results, fetched, status } = await typeQuery(page, 'xyzzyplugh');
  assert.deepEqual(results, []);
  assert.equal(status, 'No results for “xyzzyplugh”. You can search the list on lore.');
  assert.equal(await page.locator('#search-status a').getAttribute('href'),
    'https://lore.kernel.org/kvmarm/?q=xyzzyplugh');
  assert.deepEqual(fetched, expectedFiles(['xyzzyplugh'], []));
  const common = await typeQuery(page, 'the');
  assert.match(common.status, /^Only common words/);
  assert.deepEqual(common.fetched, []);  // the manifest is already here
  assert.deepEqual(problems, []);
  await context.close();
});

test('the header box of any page leads to the search page, under the prefix', async () => {
  const { page, problems, context } = await open(browser, `${server.url}digests/2019-W40/index.html`);
  await page.fill('header form.search-box input[name=q]', 'gicv4');
  await page.press('header form.search-box input[name=q]', 'Enter');
  await page.waitForSelector('#search-results[data-state=done]', { state: 'attached' });
  assert.equal(page.url(), `${server.url}search/index.html?q=gicv4`);
  assert.equal(await page.inputValue('#search-input'), 'gicv4');
  assert.equal(await page.locator('#search-results > li h2').first().textContent(),
    '[PATCH v3 00/32] irqchip/gic-v4: GICv4.1 architecture support');
  // Back and forward keep the query and its results.
  await page.fill('#search-input', 'xyzzyplugh');
  await page.press('#search-input', 'Enter');
  await page.waitForSelector('#search-results[data-state=done][data-query=xyzzyplugh]', { state: 'attached' });
  await page.goBack();
  await page.waitForSelector('#search-results[data-state=done][data-query=gicv4]', { state: 'attached' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('without JavaScript the header box submits to lore', async () => {
  const { page, context } = await open(browser, `${server.url}index.html`, { javaScriptEnabled: false });
  const form = page.locator('header form.search-box');
  assert.equal(await form.getAttribute('action'), 'https://lore.kernel.org/kvmarm/');
  assert.equal(await form.getAttribute('method'), 'get');
  assert.equal(await form.locator('input').getAttribute('name'), 'q');
  await page.goto(`${server.url}search/index.html?q=vgic`);
  assert.match(await page.locator('#search-status').textContent(), /Without JavaScript, this form searches the list on lore/);
  await context.close();
});

test('an index that cannot be loaded is said so', async () => {
  const { page, context } = await open(browser, 'about:blank');
  await page.route('**/search/manifest.json', (route) => route.fulfill({ status: 503, body: '' }));
  await page.goto(`${server.url}search/index.html?q=vgic`);
  await page.waitForSelector('#search-results[data-state=error]', { state: 'attached' });
  assert.match(await page.locator('#search-status').textContent(),
    /^The search index could not be loaded \(manifest\.json: HTTP 503\)\. Try again later, or search the list on lore\.$/);
  await context.close();
});

test('the search works from the site\'s root too', async () => {
  const root = await serve(siteDir, '/');
  const { page, problems, context } = await open(browser, `${root.url}search/index.html?q=gicv4`);
  await page.waitForSelector('#search-results[data-state=done]', { state: 'attached' });
  assert.equal(await page.locator('#search-results > li h2 a').first().getAttribute('href'),
    `${root.url}series/irqchip-gic-v4-gicv4-1-architecture-support-3117833/index.html`);
  assert.deepEqual(problems, []);
  await context.close();
  root.close();
});

test('archive text in results stays text, and no result links to a script', async () => {
  const { page, context } = await open(browser, 'about:blank');
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  // Every document page answers with hostile records, as a mail could make them.
  const hostile = (kind) => [kind, '<img src=x onerror=alert(1)>gicv4', '<b>Mallory</b>', '2020-01-01',
    'new" onmouseover="alert(2)', 'javascript:alert(3)', '<script>alert(4)</script> gicv4 </p><p>'];
  await page.route('**/search/d/*.json', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify(Array.from({ length: manifest.page_docs }, (_, i) => hostile(i % 2 ? 'v' : 'd'))),
  }));
  await page.goto(`${server.url}search/index.html?q=gicv4`);
  await page.waitForSelector('#search-results[data-state=done]', { state: 'attached' });
  const first = page.locator('#search-results > li').first();
  assert.equal(await first.locator('h2').textContent(), '<img src=x onerror=alert(1)>gicv4');
  assert.match(await first.locator('.snippet').textContent(), /^<script>alert\(4\)<\/script> gicv4 <\/p><p>$/);
  assert.equal(await page.locator('#search-results img, #search-results script, #search-results b').count(), 0);
  assert.equal(await first.locator('h2 a').count(), 0);  // javascript: is no link
  const hrefs = await page.locator('#search-results a').evaluateAll((as) => as.map((a) => a.href));
  assert.ok(hrefs.every((h) => h.startsWith(server.url)), hrefs.join(' '));
  assert.deepEqual(dialogs, []);
  await context.close();
});

test('a word in most documents does not narrow a query that has a rarer one, and is not fetched', async () => {
  assert.ok(manifest.common.includes('kvm'));
  const { page, problems, context } = await searchPage();
  const { results, fetched, status } = await typeQuery(page, 'kvm gicv4');
  assert.equal(results[0].title, '[PATCH v3 00/32] irqchip/gic-v4: GICv4.1 architecture support');
  assert.match(status, /^“kvm” is in too many documents to narrow the search\. \d+ results for “kvm gicv4”/);
  assert.deepEqual(fetched, expectedFiles(['gicv4'], results));
  // Alone, it is the query: its postings are fetched.
  const alone = await typeQuery(page, 'kvm');
  // (A segment's shard of "kvm" may be the one of "gicv4", read before.)
  assert.ok(shardFiles('kvm').every((f) => alone.fetched.includes(f) || fetched.includes(f)));
  assert.ok(alone.fetched.some((f) => f.startsWith('t/') && !fetched.includes(f)));
  assert.ok(alone.results.length === 10);
  assert.deepEqual(problems, []);
  await context.close();
});
