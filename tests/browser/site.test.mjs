// The sample site in a real browser: pages load without errors and the
// home page leads to a digest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, open } from './helpers.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

test('home page links to the latest digest, which shows its tables', async () => {
  const { page, problems, context } = await open(browser, server.url);
  assert.equal(await page.locator('h1').first().textContent(), 'KVM/arm list digest (sample)');
  await page.locator('section[aria-labelledby=latest] a').first().click();
  await page.waitForLoadState();
  assert.match(page.url(), /\/digests\/2020-W04\/index\.html$/);
  assert.equal(await page.locator('h2#contributors').textContent(), 'Top 15 contributors');
  assert.deepEqual(problems, []);
  await context.close();
});
