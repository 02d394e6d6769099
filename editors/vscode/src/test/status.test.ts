import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { cratesNeedingReview, nextStatus, Status, statusText } from '../status';

test('cratesNeedingReview reads the report summary', () => {
  const report = '3 of 212 crates need review (48211 lines of code); 180 crates are pure\n\nNeed review (most powerful first):\n';
  assert.equal(cratesNeedingReview(report), 3);
  assert.equal(cratesNeedingReview('0 of 1 crates need review (0 lines of code); 1 crates are pure\n'), 0);
});

test('cratesNeedingReview on what is not a report', () => {
  for (const text of ['', 'error: no Cargo.toml', '{"crates": []}', 'we need review of 3 crates']) {
    assert.equal(cratesNeedingReview(text), undefined, text);
  }
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
