// Finds the cargo-caps binary that serves the language server: the user's
// setting first, then the copy bundled in the extension, then PATH.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface DiscoveryInput {
  /** The value of `cargoCaps.server.path`, if any. */
  configured?: string | null;
  /** The extension's install folder; a bundled binary lives in its `server/`. */
  extensionPath: string;
  /** The PATH of the extension host. */
  pathEnv?: string;
  /** The first workspace folder, against which a relative setting is resolved. */
  workspaceFolder?: string;
  platform?: NodeJS.Platform;
}

export type ServerSource = 'setting' | 'bundled' | 'PATH';

export type Discovery =
  | { path: string; source: ServerSource }
  | { error: string };

export const installHint =
  'Install it with `go install github.com/cargo-caps/cargo-caps/cmd/cargo-caps@latest` ' +
  'or set "cargoCaps.server.path" to the binary.';

export function binaryName(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'cargo-caps.exe' : 'cargo-caps';
}

/** findServer never throws: a missing binary is an error value with a fix in it. */
export function findServer(input: DiscoveryInput): Discovery {
  const platform = input.platform ?? process.platform;
  const configured = input.configured?.trim();
  if (configured) {
    const p = expand(configured, input.workspaceFolder);
    // An explicit setting that is wrong must say so, not fall back quietly.
    if (!isExecutable(p, platform)) {
      return { error: `cargo-caps: "cargoCaps.server.path" is set to ${p}, which is not an executable file. Fix the setting or clear it to use the bundled binary or PATH.` };
    }
    return { path: p, source: 'setting' };
  }
  const bundled = path.join(input.extensionPath, 'server', binaryName(platform));
  if (isExecutable(bundled, platform)) {
    return { path: bundled, source: 'bundled' };
  }
  const sep = platform === 'win32' ? ';' : ':';
  for (const dir of (input.pathEnv ?? '').split(sep)) {
    if (!dir) {
      continue;
    }
    const p = path.join(dir, binaryName(platform));
    if (isExecutable(p, platform)) {
      return { path: p, source: 'PATH' };
    }
  }
  return { error: `cargo-caps: no cargo-caps binary found (not set in "cargoCaps.server.path", not bundled with the extension, not on PATH). ${installHint}` };
}

function expand(p: string, workspaceFolder: string | undefined): string {
  if (p === '~' || p.startsWith('~/')) {
    p = path.join(os.homedir(), p.slice(1));
  }
  if (workspaceFolder) {
    p = p.replace('${workspaceFolder}', workspaceFolder);
    return path.resolve(workspaceFolder, p);
  }
  return path.resolve(p);
}

function isExecutable(p: string, platform: NodeJS.Platform): boolean {
  try {
    if (!fs.statSync(p).isFile()) {
      return false;
    }
    if (platform !== 'win32') {
      fs.accessSync(p, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}
