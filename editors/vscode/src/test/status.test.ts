import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextStatus, Status, statusText } from '../status';

test('progress drives the status item', () => {
  let s: Status = { state: 'starting' };
  s = nextStatus(s, { kind: 'begin', title: 'Analysing crates', percentage: 0 }, true);
  assert.deepEqual(statusText(s), { text: '$(sync~spin) cargo-caps 0%', tooltip: 'cargo-caps is analysing: Analysing crates 0%' });
  s = nextStatus(s, { kind: 'report', message: '3/7 crates', percentage: 41.6 }, true);
  assert.deepEqual(statusText(s), { text: '$(sync~spin) cargo-caps 42%', tooltip: 'cargo-caps is analysing: Analysing crates 3/7 crates 42%' });
  // A title that repeats the name is left out.
  s = nextStatus(s, { kind: 'begin', title: 'cargo-caps', message: 'Analysing Cargo.toml…' }, true);
  assert.deepEqual(statusText(s), { text: '$(sync~spin) cargo-caps', tooltip: 'cargo-caps is analysing: Analysing Cargo.toml…' });
  s = nextStatus(s, { kind: 'end' }, true);
  assert.deepEqual(s, { state: 'ready', trusted: true, review: undefined });
  // The last count stays through the next analysis.
  s = nextStatus({ state: 'ready', trusted: true, review: 2 }, { kind: 'begin', title: 'cargo-caps' }, true);
  s = nextStatus(s, { kind: 'end' }, true);
  assert.equal(statusText(s).text, '$(shield) 2 crates need review');
  assert.equal(statusText({ state: 'ready', trusted: true, review: 3 }).text, '$(shield) 3 crates need review');
  assert.equal(statusText({ state: 'ready', trusted: true, review: 1 }).text, '$(shield) 1 crate needs review');
  assert.match(statusText({ state: 'ready', trusted: false, review: 0 }).tooltip, /untrusted: cargo not run/);
});
