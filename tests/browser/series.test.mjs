// The series pages of the sample site in a real browser, without any
// script: from the header to the series index, its second page, the state
// filter, and one series with its version timeline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, open } from './helpers.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

const rows = (page) => page.locator('table.series-list tbody tr');

test('series index: pages, state filter and a series page work without JavaScript', async () => {
  const { page, problems, context } = await open(browser, server.url, { javaScriptEnabled: false });
  await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'Series' }).click();
  await page.waitForLoadState();
  assert.match(page.url(), /\/series\/index\.html$/);
  assert.equal(await page.locator('h1').textContent(), 'All series');
  // 197 series in the sample, 100 to a page.
  assert.equal(await rows(page).count(), 100);
  await page.getByRole('link', { name: 'Next' }).click();
  await page.waitForLoadState();
  assert.match(page.url(), /\/series\/page\/2\/index\.html$/);
  assert.equal(await rows(page).count(), 97);

  await page.getByRole('navigation', { name: 'Series by state' }).getByRole('link', { name: 'applied' }).click();
  await page.waitForLoadState();
  assert.match(page.url(), /\/series\/state\/applied\/index\.html$/);
  assert.equal(await rows(page).count(), 23);
  assert.equal(await page.locator('.state-filter a[aria-current=page]').textContent(), 'applied');

  await rows(page).first().getByRole('link', { name: 'KVM: Refactor vCPU creation' }).click();
  await page.waitForLoadState();
  assert.match(page.url(), /\/series\/kvm-refactor-vcpu-creation-c0b6021\/index\.html$/);
  assert.equal(await page.locator('h1').textContent(), 'KVM: Refactor vCPU creation');
  // The timeline, newest first, each row leading to its version below.
  const timeline = page.locator('table.timeline tbody tr');
  assert.deepEqual(await timeline.locator('td:first-child').allTextContents(), ['v2', 'v1']);
  assert.deepEqual(await timeline.locator('.state').allTextContents(), ['applied', 'superseded']);
  await timeline.first().getByRole('link', { name: 'v2' }).click();
  assert.match(page.url(), /#v2$/);
  assert.equal(await page.locator('section#v2 table.patches tbody tr').count(), 45);
  await timeline.nth(1).getByRole('link', { name: '2019-W43' }).click();
  await page.waitForLoadState();
  assert.match(page.url(), /\/digests\/2019-W43\/index\.html$/);
  assert.deepEqual(problems, []);
  await context.close();
});
