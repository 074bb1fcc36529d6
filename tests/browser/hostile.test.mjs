// The crafted hostile and broken mail (tests/data/hostile/, broken/; see
// their READMEs) built into a site, and every page of it loaded in chromium:
// no dialog opens (alert, confirm, prompt: a script of the mail ran), no
// Content-Security-Policy violation of script-src is reported (the policy
// reports any inline script or handler it blocks), and the DOM as the
// browser parsed it holds no script without src, no on… attribute and no
// javascript:, data: or vbscript: link. The theme's own scripts still run
// without errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, open } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = path.join(here, '..', 'data');
const binary = process.env.LISTDIGEST_BINARY;
if (!binary) throw new Error('LISTDIGEST_BINARY must name the listdigest binary (tests/browser/run sets it)');

// A v2 inbox of every crafted message, one commit each, four hours apart
// from Monday 2021-03-01, made with git fast-import like tests/support.cc.
function buildSite(work) {
  const repo = path.join(work, 'inbox', 'git', '0.git');
  execFileSync('git', ['init', '-q', '--bare', repo]);
  const files = ['hostile', 'broken'].flatMap((dir) => fs.readdirSync(path.join(data, dir))
    .filter((f) => f.endsWith('.eml')).sort().map((f) => path.join(data, dir, f)));
  const chunks = [];
  files.forEach((file, i) => {
    const raw = fs.readFileSync(file);
    const when = 1614592800 + i * 4 * 3600;
    chunks.push(Buffer.from(`commit refs/heads/master\ncommitter list <list@example.org> ${when} +0000\n` +
      `data 5\nmail\nM 100644 inline m\ndata ${raw.length}\n`), raw, Buffer.from('\n'));
  });
  execFileSync('git', ['--git-dir', repo, 'fast-import', '--quiet'], { input: Buffer.concat(chunks) });
  const config = path.join(work, 'site.toml');
  fs.writeFileSync(config, 'title = "hostile"\nlist = "hostile"\n' +
    `[archive]\npath = "inbox"\nmessage_url = "https://lore.kernel.org/hostile/{message_id}/"\n`);
  execFileSync(binary, ['build', '--config', config, '--out', path.join(work, 'site')], { stdio: 'ignore' });
  return { site: path.join(work, 'site'), messages: files.length };
}

function pages(dir, prefix = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory()
    ? pages(path.join(dir, e.name), prefix + e.name + '/')
    : e.name.endsWith('.html') ? [prefix + e.name] : []);
}

let work, built, server, browser;
before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'listdigest-hostile-'));
  built = buildSite(work);
  server = await serve(built.site);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('no page of the hostile site runs a script of the mail', async () => {
  const all = pages(built.site);
  assert.ok(all.length >= 10, `only ${all.length} pages`);
  const found = [];
  for (const name of all) {
    const { page, problems, context } = await open(browser, 'about:blank');
    page.on('dialog', async (d) => { found.push(`${name}: a ${d.type()} opened: ${d.message()}`); await d.dismiss(); });
    await page.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__violations.push(`${e.effectiveDirective}: ${e.blockedURI} ${e.sample}`);
      });
    });
    await page.goto(server.url + name);
    // Violation events are queued as tasks: let them arrive.
    const violations = await page.evaluate(
      () => new Promise((resolve) => setTimeout(() => resolve(window.__violations), 20)));
    for (const v of violations) if (v.startsWith('script-src')) found.push(`${name}: CSP ${v}`);
    const dom = await page.evaluate(() => {
      const bad = [];
      for (const el of document.querySelectorAll('*')) {
        if (el.tagName === 'SCRIPT' && !el.getAttribute('src')) bad.push('an inline <script>');
        for (const a of el.attributes) {
          if (a.name.startsWith('on')) bad.push(`<${el.tagName.toLowerCase()} ${a.name}>`);
          if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(a.name) &&
              /^\s*(javascript|data|vbscript):/i.test(a.value)) {
            bad.push(`<${el.tagName.toLowerCase()} ${a.name}="${a.value.slice(0, 60)}">`);
          }
        }
      }
      return bad;
    });
    for (const d of dom) found.push(`${name}: ${d}`);
    for (const p of problems) found.push(`${name}: ${p}`);
    await context.close();
  }
  assert.deepEqual(found, []);
});

test('the hostile text is on the page, as text', async () => {
  const { page, problems, context } = await open(browser, server.url + 'digests/2021-W09/index.html');
  const text = await page.locator('main').textContent();
  assert.ok(text.includes('<script>alert("subject")</script> KVM: x86: fix <img src=x onerror=alert(1)>'));
  assert.ok(text.includes('{{{content}}} {{> _header}}'));
  assert.deepEqual(problems, []);
  await context.close();
});
