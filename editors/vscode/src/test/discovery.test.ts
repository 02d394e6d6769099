import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { findServer } from '../discovery';

// Each case lays out real files in a temporary folder: ext/ is the extension,
// bin1/ and bin2/ are PATH entries, ws/ the workspace folder.
interface Case {
  name: string;
  files: Record<string, 'exec' | 'plain' | 'dir'>;
  configured?: string;
  path?: string[];
  want: { source: string; path: string } | { error: RegExp };
}

const cases: Case[] = [
  {
    name: 'setting wins over bundled and PATH',
    files: { 'custom/cargo-caps': 'exec', 'ext/server/cargo-caps': 'exec', 'bin1/cargo-caps': 'exec' },
    configured: '{root}/custom/cargo-caps',
    path: ['bin1'],
    want: { source: 'setting', path: 'custom/cargo-caps' },
  },
  {
    name: 'relative setting resolves against the workspace folder',
    files: { 'ws/tools/cargo-caps': 'exec' },
    configured: 'tools/cargo-caps',
    want: { source: 'setting', path: 'ws/tools/cargo-caps' },
  },
  {
    name: '${workspaceFolder} in the setting',
    files: { 'ws/tools/cargo-caps': 'exec' },
    configured: '${workspaceFolder}/tools/cargo-caps',
    want: { source: 'setting', path: 'ws/tools/cargo-caps' },
  },
  {
    name: 'a wrong setting is an error, not a fallback',
    files: { 'ext/server/cargo-caps': 'exec' },
    configured: '{root}/missing/cargo-caps',
    want: { error: /"cargoCaps\.server\.path" is set to .*missing\/cargo-caps, which is not an executable file/ },
  },
  {
    name: 'a setting naming a folder is an error',
    files: { 'custom': 'dir' },
    configured: '{root}/custom',
    want: { error: /not an executable file/ },
  },
  {
    name: 'blank setting means unset',
    files: { 'ext/server/cargo-caps': 'exec' },
    configured: '   ',
    want: { source: 'bundled', path: 'ext/server/cargo-caps' },
  },
  {
    name: 'bundled wins over PATH',
    files: { 'ext/server/cargo-caps': 'exec', 'bin1/cargo-caps': 'exec' },
    path: ['bin1'],
    want: { source: 'bundled', path: 'ext/server/cargo-caps' },
  },
  {
    name: 'bundled file without the exec bit is skipped',
    files: { 'ext/server/cargo-caps': 'plain', 'bin1/cargo-caps': 'exec' },
    path: ['bin1'],
    want: { source: 'PATH', path: 'bin1/cargo-caps' },
  },
  {
    name: 'first PATH entry that has it',
    files: { 'bin1/other': 'exec', 'bin2/cargo-caps': 'exec' },
    path: ['', 'bin1', 'bin2'],
    want: { source: 'PATH', path: 'bin2/cargo-caps' },
  },
  {
    name: 'nothing found names the fix',
    files: { 'bin1/cargo-caps': 'plain' },
    path: ['bin1'],
    want: { error: /no cargo-caps binary found.*go install github\.com\/cargo-caps\/cargo-caps\/cmd\/cargo-caps@latest.*"cargoCaps\.server\.path"/ },
  },
];

for (const c of cases) {
  test(`findServer: ${c.name}`, (t) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cargo-caps-discovery-'));
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    fs.mkdirSync(path.join(root, 'ext'));
    fs.mkdirSync(path.join(root, 'ws'));
    for (const [rel, kind] of Object.entries(c.files)) {
      const p = path.join(root, rel);
      if (kind === 'dir') {
        fs.mkdirSync(p, { recursive: true });
        continue;
      }
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, '#!/bin/sh\n', { mode: kind === 'exec' ? 0o755 : 0o644 });
    }
    const got = findServer({
      configured: c.configured?.replace('{root}', root),
      extensionPath: path.join(root, 'ext'),
      pathEnv: (c.path ?? []).map((d) => (d ? path.join(root, d) : '')).join(':'),
      workspaceFolder: path.join(root, 'ws'),
      platform: 'linux',
    });
    if ('error' in c.want) {
      assert.ok('error' in got, `want an error, got ${JSON.stringify(got)}`);
      assert.match(got.error, c.want.error);
    } else {
      assert.deepEqual(got, { source: c.want.source, path: path.join(root, c.want.path) });
    }
  });
}
