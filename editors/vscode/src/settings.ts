// Maps the extension's `cargoCaps.*` settings and VS Code's workspace trust
// to the settings object the server reads (initializationOptions and
// workspace/didChangeConfiguration).
export const severities = ['error', 'warning', 'info', 'hint', 'off'] as const;
export type SeverityLevel = (typeof severities)[number];

export interface ServerSettings {
  trusted: boolean;
  features: string[];
  severity: Record<string, SeverityLevel>;
  analyzeDependencies: boolean;
  sandboxCargo: boolean;
}

/** The part of vscode.WorkspaceConfiguration that the mapping reads. */
export interface ConfigReader {
  get<T>(section: string): T | undefined;
}

/** Settings that change which process runs: a change restarts the server. */
export const restartSettings = ['cargoCaps.server.path'];

export function serverSettings(cfg: ConfigReader, trusted: boolean): ServerSettings {
  return {
    trusted,
    features: features(cfg.get<unknown>('features')),
    severity: severity(cfg.get<unknown>('severity')),
    analyzeDependencies: cfg.get<unknown>('analyzeDependencies') !== false,
    sandboxCargo: cfg.get<unknown>('sandboxCargo') === true,
  };
}

/** The didChangeConfiguration payload. */
export function configurationChange(s: ServerSettings): { settings: { cargoCaps: ServerSettings } } {
  return { settings: { cargoCaps: s } };
}

// Settings come from hand-edited JSON: values of the wrong type are dropped
// rather than sent to the server.
function features(v: unknown): string[] {
  if (!Array.isArray(v)) {
    return [];
  }
  const out: string[] = [];
  for (const f of v) {
    if (typeof f === 'string' && f.trim() !== '' && !out.includes(f.trim())) {
      out.push(f.trim());
    }
  }
  return out;
}

function severity(v: unknown): Record<string, SeverityLevel> {
  const out: Record<string, SeverityLevel> = {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return out;
  }
  for (const [code, level] of Object.entries(v)) {
    const l = typeof level === 'string' ? level.toLowerCase() : '';
    if ((severities as readonly string[]).includes(l)) {
      out[code] = l as SeverityLevel;
    }
  }
  return out;
}
