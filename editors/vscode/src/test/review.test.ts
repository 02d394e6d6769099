import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Report, reviewTree } from '../review';

// The shape of `cargo-caps report --format json` (testdata/check/report-sites.txtar), trimmed.
const report: Report = {
  summary: '1 of 3 crates needs review: 3 sites in 2 functions (11 lines to read); 1 crate is pure',
  review_sites: 3,
  review_functions: 2,
  review_site_lines: 11,
  need_review: [
    {
      name: 'runner', version: '0.2.0', dir: '/reg/runner-0.2.0', capabilities: ['unsafe', 'process'], lines: 28, unanalysed: 1,
      sites: [
        { capability: 'process', api: 'std::process::Command::new', file: 'src/lib.rs', line: 4, function: 'runner::run', lines: 8 },
        { capability: 'process', api: 'std::process::Command::new', file: 'src/lib.rs', line: 5, function: 'runner::run', lines: 8 },
        { capability: 'unsafe', api: 'unsafe block', file: 'src/raw.rs', line: 16, function: 'runner::raw::first', lines: 3 },
      ],
      site_count: 3, functions: 2, site_lines: 11,
    },
  ],
  audited: [{ name: 'mmap', version: '0.1.0', dir: '/reg/mmap-0.1.0', capabilities: ['unsafe'], lines: 4, unanalysed: 0, audited_by: ['cargo vet: safe-to-deploy'] }],
  pure: [{ name: 'math', version: '1.0.0', dir: '/reg/math-1.0.0', capabilities: [], lines: 1, unanalysed: 0 }],
};

test('crates needing review → capability (most powerful first) → sites; audited and pure in their own groups', () => {
  const [need, audited, pure] = reviewTree(report);
  assert.equal(need.label, 'Need review (1)');
  assert.equal(need.description, '3 sites in 2 functions (11 lines to read)');
  assert.ok(need.expanded);
  const runner = need.children[0];
  assert.equal(runner.label, 'runner 0.2.0');
  assert.equal(runner.description, '3 sites in 2 functions (11 of 28 lines)');
  assert.deepEqual(runner.children.map((c) => `${c.label}: ${c.description}`), ['unsafe: 1 site', 'process: 2 sites', '1 unanalysed: read them whole']);
  const [unsafe, process] = runner.children;
  assert.deepEqual(unsafe.children[0].open, { path: '/reg/runner-0.2.0/src/raw.rs', line: 16 });
  assert.deepEqual(process.children.map((s) => s.open?.line), [4, 5]);
  assert.equal(process.children[0].label, 'runner::run');
  assert.equal(process.children[0].description, 'std::process::Command::new · src/lib.rs:4');
  assert.equal(audited.label, 'Audited (1)');
  assert.equal(audited.children[0].description, 'unsafe · cargo vet: safe-to-deploy');
  assert.equal(pure.label, 'Pure (1)');
  assert.deepEqual(pure.children.map((c) => c.label), ['math 1.0.0']);
  assert.ok(!audited.expanded && !pure.expanded);
});

test('an empty report has empty groups', () => {
  const rows = reviewTree({ summary: '0 of 0 crates need review', review_sites: 0, review_functions: 0, review_site_lines: 0, need_review: [], audited: [], pure: [] });
  assert.deepEqual(rows.map((r) => [r.label, r.children.length]), [['Need review (0)', 0], ['Audited (0)', 0], ['Pure (0)', 0]]);
});
