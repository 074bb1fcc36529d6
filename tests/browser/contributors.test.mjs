// The contributors index of the sample site in a real browser: the table
// re-sorts by reviews and by last activity when a header is clicked, and the
// filter box hides the rows that do not match, without console errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, open } from './helpers.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

const names = (page) => page.locator('#people tbody tr:not([hidden]) td:first-child').allTextContents();
const column = (page, key) => page.locator('#people tbody tr').evaluateAll(
  (rows, k) => rows.map((r) => r.dataset[k]), key);

test('contributors index re-sorts by reviews and by last activity', async () => {
  const { page, problems, context } = await open(browser, server.url + 'contributors/index.html');
  // Static order: patches (Marc Zyngier 209, Sean Christopherson 173, …).
  assert.deepEqual((await names(page)).slice(0, 3),
    ['Marc Zyngier', 'Sean Christopherson', 'Steven Price']);
  assert.equal((await names(page)).length, 141);

  await page.getByRole('button', { name: 'Reviews' }).click();
  // Eric Auger and Zenghui Yu both gave 24 reviews: ties keep the patch order.
  assert.deepEqual((await names(page)).slice(0, 4),
    ['Eric Auger', 'Zenghui Yu', 'Andrew Jones', 'Cornelia Huck']);
  const reviews = (await column(page, 'reviews')).map(Number);
  assert.deepEqual(reviews, [...reviews].sort((a, b) => b - a));
  assert.equal(await page.locator('th[data-sort=reviews]').getAttribute('aria-sort'), 'descending');
  assert.equal(await page.locator('th[data-sort=patches]').getAttribute('aria-sort'), 'none');

  await page.getByRole('button', { name: 'Last active' }).click();
  const last = await column(page, 'last');
  assert.deepEqual(last, [...last].sort().reverse());
  assert.deepEqual((await names(page)).slice(0, 2), ['Marc Zyngier', 'Andrew Jones']);

  await page.getByRole('button', { name: 'Patches' }).click();
  assert.deepEqual((await names(page)).slice(0, 3),
    ['Marc Zyngier', 'Sean Christopherson', 'Steven Price']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the filter box hides the rows that do not match', async () => {
  const { page, problems, context } = await open(browser, server.url + 'contributors/index.html');
  const box = page.getByLabel('Filter by name or address');
  await box.fill('zyngier');
  // Three addresses, one name: maz@kernel.org, marc.zyngier@arm.com and
  // the mistyped maz@kermel.org.
  assert.deepEqual(await names(page), ['Marc Zyngier', 'Marc Zyngier', 'Marc Zyngier']);
  assert.equal(await page.locator('#people tbody tr[hidden]').count(), 138);
  assert.equal(await page.locator('#shown').textContent(), '3 of 141 shown');
  await box.fill('BENNÉE');  // case-insensitive, accents kept
  assert.deepEqual(await names(page), ['Alex Bennée']);
  await box.fill('redhat.com huck');  // every word must match, addresses too
  assert.deepEqual(await names(page), ['Cornelia Huck']);
  await box.fill('');
  assert.equal((await names(page)).length, 141);
  // The name links to the person's page, whose chart is there without script.
  await page.getByRole('link', { name: 'Cornelia Huck' }).click();
  await page.waitForLoadState();
  assert.match(page.url(), /\/contributors\/cohuck-redhat-com\/index\.html$/);
  assert.equal(await page.locator('h1').textContent(), 'Cornelia Huck');
  assert.ok(await page.locator('svg.chart rect.bar-reviews').count() > 0);
  assert.deepEqual(problems, []);
  await context.close();
});
