import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { cratesNeedingReview, nextStatus, Status, statusText } from '../status';

test('cratesNeedingReview counts impure and unanalysed crates', () => {
  const report = JSON.stringify({
    version: 1,
    findings: [],
    uses: [],
    crates: [
      { name: 'tokio', pure: false, unanalysed: 0 },
      { name: 'memchr', pure: true, unanalysed: 0 },
      { name: 'weird', pure: true, unanalysed: 2 },
      { name: 'serde', pure: true },
    ],
  });
  assert.equal(cratesNeedingReview(report), 2);
});

test('cratesNeedingReview on what is not a report', () => {
  for (const text of ['', 'error: no Cargo.toml', 'null', '[]', '{"crates": 3}']) {
    assert.equal(cratesNeedingReview(text), undefined, text);
  }
  assert.equal(cratesNeedingReview('{"crates": [null, 1]}'), 0);
});

test('progress drives the status item', () => {
  let s: Status = { state: 'starting' };
  s = nextStatus(s, { kind: 'begin', title: 'Analysing crates', percentage: 0 }, true);
  assert.equal(statusText(s).text, '$(sync~spin) cargo-caps: Analysing crates 0%');
  s = nextStatus(s, { kind: 'report', message: 'tokio', percentage: 41.6 }, true);
  assert.equal(statusText(s).text, '$(sync~spin) cargo-caps: Analysing crates 42%');
  assert.match(statusText(s).tooltip, /tokio/);
  s = nextStatus(s, { kind: 'end' }, true);
  assert.deepEqual(s, { state: 'ready', trusted: true });
  assert.equal(statusText({ state: 'ready', trusted: true, review: 3 }).text, '$(shield) 3 crates need review');
  assert.equal(statusText({ state: 'ready', trusted: true, review: 1 }).text, '$(shield) 1 crate needs review');
  assert.match(statusText({ state: 'ready', trusted: false, review: 0 }).tooltip, /untrusted: cargo not run/);
});
