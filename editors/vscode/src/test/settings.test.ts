import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigReader, configurationChange, serverSettings } from '../settings';

// A ConfigReader over plain values, as vscode.WorkspaceConfiguration returns
// them for the `cargoCaps` section.
function config(values: Record<string, unknown>): ConfigReader {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

const cases: { name: string; values: Record<string, unknown>; trusted: boolean; want: unknown }[] = [
  {
    name: 'defaults',
    values: {},
    trusted: true,
    want: { trusted: true, features: [], severity: {}, analyzeDependencies: true, sandboxCargo: false },
  },
  {
    name: 'untrusted workspace',
    values: {},
    trusted: false,
    want: { trusted: false, features: [], severity: {}, analyzeDependencies: true, sandboxCargo: false },
  },
  {
    name: 'all set',
    values: {
      features: ['tls', 'json'],
      severity: { 'unused-capability': 'off', 'unanalysed': 'error' },
      analyzeDependencies: false,
      sandboxCargo: true,
    },
    trusted: true,
    want: {
      trusted: true,
      features: ['tls', 'json'],
      severity: { 'unused-capability': 'off', 'unanalysed': 'error' },
      analyzeDependencies: false,
      sandboxCargo: true,
    },
  },
  {
    name: 'hand-edited junk is dropped',
    values: {
      features: ['tls', 3, '', ' tls ', ' rt '],
      severity: { 'unused-capability': 'Warning', 'unanalysed': 'loud', 'build-time-code': 7 },
      analyzeDependencies: 'no',
      sandboxCargo: 'yes',
    },
    trusted: true,
    want: {
      trusted: true,
      features: ['tls', 'rt'],
      severity: { 'unused-capability': 'warning' },
      analyzeDependencies: true,
      sandboxCargo: false,
    },
  },
  {
    name: 'wrong container types',
    values: { features: 'tls', severity: ['off'] },
    trusted: false,
    want: { trusted: false, features: [], severity: {}, analyzeDependencies: true, sandboxCargo: false },
  },
];

for (const c of cases) {
  test(`serverSettings: ${c.name}`, () => {
    assert.deepEqual(serverSettings(config(c.values), c.trusted), c.want);
  });
}

test('configurationChange wraps settings under cargoCaps', () => {
  const s = serverSettings(config({ features: ['tls'] }), false);
  assert.deepEqual(configurationChange(s), {
    settings: { cargoCaps: { trusted: false, features: ['tls'], severity: {}, analyzeDependencies: true, sandboxCargo: false } },
  });
});
