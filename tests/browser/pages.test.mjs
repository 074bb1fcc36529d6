// The sample site as people read it, in Debian's chromium: the home page, a
// digest, a series, a contributor, a content page and the indexes at 390 px
// and 1280 px wide and in dark mode, with no console error, no failed request, no
// request leaving the site and no horizontal scrolling on a phone; a
// screenshot of each in $LISTDIGEST_SCREENSHOTS for people to look at;
// axe-core with no serious or critical violation on each page kind, light
// and dark. Then every link of every page, crawled from index.html under a
// URL prefix, leads to a file that exists (and every #anchor to an id), and
// the home page works from file:// with its versioned stylesheet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { serve, launch, siteDir } from './helpers.mjs';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const screenshots = process.env.LISTDIGEST_SCREENSHOTS;

const kinds = {
  home: 'index.html',
  digest: 'digests/2019-W43/index.html',
  series: 'series/kvm-refactor-vcpu-creation-c0b6021/index.html',
  contributor: 'contributors/maz-kernel-org/index.html',
  content: 'about/index.html',
};
// The other page kinds (404.html has a test of its own: served at any
// address, its links start at base_url's path).
const allKinds = {
  ...kinds,
  digests: 'digests/index.html',
  seriesIndex: 'series/state/applied/index.html',
  contributors: 'contributors/index.html',
  search: 'search/index.html',
};
const looks = {
  phone: { viewport: { width: 390, height: 844 }, colorScheme: 'light' },
  wide: { viewport: { width: 1280, height: 900 }, colorScheme: 'light' },
  dark: { viewport: { width: 1280, height: 900 }, colorScheme: 'dark' },
};

let server, browser;
before(async () => {
  server = await serve(siteDir, '/lists/kvmarm/');
  browser = await launch();
  if (screenshots) fs.mkdirSync(screenshots, { recursive: true });
});
after(async () => { await browser?.close(); server?.close(); });

// Opens `url` in a fresh context and records what went wrong and every
// request the page made.
async function visit(url, options) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems = [], requests = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load' });
  return { page, context, problems, requests };
}

// Relative luminance of a computed "rgb(r, g, b)" colour.
function luminance(rgb) {
  const [r, g, b] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

for (const [look, options] of Object.entries(looks)) {
  test(`${look}: every page kind loads cleanly and fits the screen`, async () => {
    for (const [kind, file] of Object.entries(allKinds)) {
      const { page, context, problems, requests } = await visit(server.url + file, options);
      const where = `${kind} (${look})`;
      assert.deepEqual(problems, [], where);
      assert.deepEqual(requests.filter((u) => !u.startsWith(server.url)), [], `${where}: requests leaving the site`);
      assert.ok(requests.some((u) => /static\/style\.css\?v=[0-9a-f]{12}$/.test(u)), `${where}: versioned stylesheet`);
      assert.equal(await page.locator('h1').count(), 1, `${where}: one h1`);
      for (const role of ['banner', 'navigation', 'main', 'contentinfo', 'search']) {
        assert.ok(await page.getByRole(role).count() >= 1, `${where}: a ${role} landmark`);
      }
      const { scroll, width, bg, fg } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        width: document.documentElement.clientWidth,
        bg: getComputedStyle(document.body).backgroundColor,
        fg: getComputedStyle(document.body).color,
      }));
      assert.ok(scroll <= width, `${where}: ${scroll} px wide in a ${width} px window`);
      if (options.colorScheme === 'dark') {
        assert.ok(luminance(bg) < 0.05 && luminance(fg) > 0.6, `${where}: dark colours, ${bg} / ${fg}`);
      } else {
        assert.ok(luminance(bg) > 0.9 && luminance(fg) < 0.05, `${where}: light colours, ${bg} / ${fg}`);
      }
      if (screenshots) await page.screenshot({ path: path.join(screenshots, `${kind}-${look}.png`), fullPage: true });
      await context.close();
    }
  });
}

test('keyboard focus is visible: the skip link comes first and shows an outline', async () => {
  const { page, context, problems } = await visit(server.url + kinds.series, looks.wide);
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return { text: el.textContent, outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
             visible: box.left >= 0 && box.top >= 0 && box.width > 0 };
  });
  assert.equal(focused.text, 'Skip to content');
  assert.equal(focused.outline, 'solid');
  assert.ok(focused.width >= 2 && focused.visible, JSON.stringify(focused));
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'KVM/arm list digest (sample)');
  assert.deepEqual(problems, []);
  await context.close();
});

test('printed, a page drops navigation and search and prints black on white, even in dark mode', async () => {
  const { page, context, problems } = await visit(server.url + kinds.digest, looks.dark);
  await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
  const shown = await page.evaluate(() => Object.fromEntries(['.site-nav', '.search-box', '.formats', 'main']
    .map((s) => [s, getComputedStyle(document.querySelector(s)).display !== 'none'])));
  assert.deepEqual(shown, { '.site-nav': false, '.search-box': false, '.formats': false, main: true });
  const { bg, fg } = await page.evaluate(() => ({
    bg: getComputedStyle(document.body).backgroundColor, fg: getComputedStyle(document.body).color }));
  assert.ok(luminance(bg) > 0.95 && luminance(fg) < 0.01, `${bg} / ${fg}`);
  assert.deepEqual(problems, []);
  await context.close();
});

for (const look of ['wide', 'dark']) {
  test(`axe-core finds no serious or critical violation (${look})`, async () => {
    const found = [];
    for (const [kind, file] of Object.entries(allKinds)) {
      const { page, context } = await visit(server.url + file, looks[look]);
      await page.evaluate(axeSource);
      const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
      // The check ran: axe tried its rules, among them colour contrast.
      assert.ok(results.passes.length > 30, `${kind}: ${results.passes.length} rules passed`);
      assert.ok(results.passes.some((r) => r.id === 'color-contrast'), `${kind}: contrast checked`);
      for (const v of results.violations) {
        if (v.impact !== 'serious' && v.impact !== 'critical') continue;
        found.push(`${kind}: ${v.id} (${v.impact}): ${v.help}; ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      }
      await context.close();
    }
    assert.deepEqual(found, []);
  });
}

function htmlFiles(dir, prefix = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory()
    ? htmlFiles(path.join(dir, e.name), prefix + e.name + '/')
    : e.name.endsWith('.html') ? [prefix + e.name] : []);
}

// Every href and src of every HTML page, crawled from the home page over
// HTTP under the server's prefix. Links to other sites are left alone; a
// link within the site must name a file that exists, and its #anchor an id
// on that page.
test('every link of every page resolves, under a URL prefix', async () => {
  const start = new URL('index.html', server.url).href;
  const queue = [];           // [url, the page linking to it]
  const seen = new Set([start]);
  const ids = new Map();      // page URL -> Set of ids
  const anchors = [];         // [from, to, id]
  const broken = [];
  let pages = 0, files = 0;
  async function fetchOne(url, from) {
    const response = await fetch(url);
    if (response.status !== 200) {
      broken.push(`${from} -> ${url}: HTTP ${response.status}`);
      return;
    }
    ++files;
    if (!(response.headers.get('content-type') || '').startsWith('text/html')) {
      await response.arrayBuffer();
      return;
    }
    ++pages;
    const html = await response.text();
    ids.set(url, new Set(Array.from(html.matchAll(/\sid="([^"]+)"/g), (m) => m[1])));
    for (const m of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const raw = m[1].replaceAll('&amp;', '&');
      if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) continue;  // another site: https:, mailto:
      const target = new URL(raw, url);
      assert.ok(target.href.startsWith(server.url), `${url}: ${raw} leaves the prefix`);
      const hash = decodeURIComponent(target.hash.slice(1));
      target.hash = '';
      target.search = '';
      if (hash) anchors.push([url, target.href, hash]);
      if (!seen.has(target.href)) {
        seen.add(target.href);
        queue.push([target.href, url]);
      }
    }
  }
  await fetchOne(start, 'start');
  while (queue.length) {
    const batch = queue.splice(0, 16);
    await Promise.all(batch.map(([url, from]) => fetchOne(url, from)));
  }
  for (const [from, to, id] of anchors) {
    if (ids.has(to) && !ids.get(to).has(id)) broken.push(`${from} -> ${to}#${id}: no such id`);
  }
  assert.deepEqual(broken.slice(0, 20), []);
  // Every page the build wrote is reached from the home page (but 404.html,
  // which the server shows for what is missing).
  const written = htmlFiles(siteDir).filter((f) => f !== '404.html');
  const unreached = written.filter((f) => !seen.has(new URL(f, server.url).href));
  assert.deepEqual(unreached.slice(0, 20), []);
  assert.equal(pages, written.length);
  assert.ok(files > pages, `${files} files`);
});

test('from file:// the home page has its styles and its links work', async () => {
  const { page, context, problems } = await visit(pathToFileURL(path.join(siteDir, 'index.html')).href, looks.wide);
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.site-header')).display), 'flex');
  await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'About' }).click();
  await page.waitForLoadState();
  assert.match(page.url(), /^file:.*\/about\/index\.html$/);
  assert.equal(await page.locator('h1').textContent(), 'About this site');
  assert.equal(await page.locator('nav[aria-label=Site] a[aria-current=page]').textContent(), 'About');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the 404 page, served for a missing address under base_url\'s path, has its styles and links', async () => {
  const kvmarm = await serve(siteDir, '/kvmarm/');  // base_url = "https://example.org/kvmarm/"
  try {
    const { page, context, problems } = await visit(kvmarm.url + 'series/no-such-series/index.html', looks.dark);
    // The page itself is the only 404 (chromium logs it to the console too).
    assert.deepEqual(problems, [`HTTP 404: ${kvmarm.url}series/no-such-series/index.html`,
      'console: Failed to load resource: the server responded with a status of 404 (Not Found)']);
    assert.equal(await page.locator('h1').textContent(), 'Not found');
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.site-header')).display), 'flex');
    await page.evaluate(axeSource);
    const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    assert.deepEqual(results.violations.filter((v) => ['serious', 'critical'].includes(v.impact)).map((v) => v.id), []);
    await page.getByRole('link', { name: 'Every patch series' }).click();
    await page.waitForLoadState();
    assert.equal(page.url(), kvmarm.url + 'series/index.html');
    assert.equal(await page.locator('h1').textContent(), 'All series');
    await context.close();
  } finally {
    kvmarm.close();
  }
});
