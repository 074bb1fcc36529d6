// The browser's tokenizer (themes/default/static/search.js) against the
// same cases as the generator's (tests/search/tokenizer_cases.tsv): a query
// must cut words exactly as the index did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const context = {};
vm.createContext(context);
vm.runInContext(fs.readFileSync(`${root}themes/default/static/search.js`, 'utf8'), context);
const search = context.ListdigestSearch;

test('tokenize gives the terms and positions of every case in tokenizer_cases.tsv', () => {
  const lines = fs.readFileSync(`${root}tests/search/tokenizer_cases.tsv`, 'utf8')
    .split('\n').filter((l) => l && !l.startsWith('#'));
  assert.equal(lines.length, 14);
  for (const line of lines) {
    const [text, expected] = line.split('\t');
    const got = search.tokenize(text).map((t) => `${t.term}@${t.position}`).join(' ');
    assert.equal(got, expected, text);
  }
});

test('a query word stands for its compound, or its pieces when the compound is too long', () => {
  assert.deepEqual([...search.wordTerms('x86/pmu:')], ['x86/pmu']);
  assert.deepEqual([...search.wordTerms('kvm,arm64')], ['kvm', 'arm64']);
  assert.deepEqual([...search.wordTerms(`${'x'.repeat(65)}/pmu`)], ['pmu']);
});

test('queries split into clauses with lore-style prefixes', () => {
  const clauses = search.parseQuery('vgic "stage 2" f:maz s:"x86/pmu" -its is:applied d:2020-01..');
  assert.deepEqual(JSON.parse(JSON.stringify(clauses)), [
    { op: 'word', value: 'vgic', phrase: false, negated: false },
    { op: 'word', value: 'stage 2', phrase: true, negated: false },
    { op: 'from', value: 'maz', phrase: false, negated: false },
    { op: 'subject', value: 'x86/pmu', phrase: true, negated: false },
    { op: 'word', value: 'its', phrase: false, negated: true },
    { op: 'is', value: 'applied', phrase: false, negated: false },
    { op: 'date', value: '2020-01..', phrase: false, negated: false },
  ]);
  // An unknown prefix is text: "http://x" searches for http and x.
  assert.equal(search.parseQuery('http://x')[0].op, 'word');
});

test('d: ranges cover whole days, months and years, ends included', () => {
  const day = (s) => Date.UTC(...s.split('-').map((x, i) => Number(x) - (i === 1 ? 1 : 0))) / 864e5;
  assert.deepEqual([...search.parseDateRange('2025-01..2025-06')], [day('2025-01-01'), day('2025-06-30')]);
  assert.deepEqual([...search.parseDateRange('20210301')], [day('2021-03-01'), day('2021-03-01')]);
  assert.deepEqual([...search.parseDateRange('2020')], [day('2020-01-01'), day('2020-12-31')]);
  assert.equal(search.parseDateRange('..2019-12')[1], day('2019-12-31'));
  assert.equal(search.parseDateRange('2019-13'), null);
  assert.equal(search.parseDateRange('..'), null);
});

test('postings decode to ids, weights and positions', () => {
  // id 0 weight 3 at positions 1 and 4; id 5 weight 16 at position 0.
  const digits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const enc = (n) => {
    let s = '';
    for (; n >= 32; n = Math.floor(n / 32)) s += digits[32 | (n & 31)];
    return s + digits[n];
  };
  const postings = enc((0 << 4) | 2) + enc((1 << 1) | 1) + enc(3 << 1) + enc((4 << 4) | 15) + enc(0);
  assert.equal(enc(1000), 'of');
  const decoded = search.decodePostings(postings, 't');
  assert.deepEqual(JSON.parse(JSON.stringify([...decoded])), [[0, { w: 3, positions: [1, 4] }], [5, { w: 16, positions: [0] }]]);
  assert.deepEqual([...search.decodeNumbers('AfgBof')], [0, 31, 32, 1000]);
});
