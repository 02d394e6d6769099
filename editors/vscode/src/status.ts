// What the status bar item says: the server's progress while it analyses,
// then how many crates need a person's review.

/** A $/progress value (LSP WorkDoneProgressBegin/Report/End). */
export interface ProgressValue {
  kind: 'begin' | 'report' | 'end';
  title?: string;
  message?: string;
  percentage?: number;
}

export type Status =
  | { state: 'starting' }
  | { state: 'analysing'; title: string; message?: string; percentage?: number }
  | { state: 'ready'; review?: number; trusted: boolean }
  | { state: 'failed'; error: string };

export function nextStatus(s: Status, p: ProgressValue, trusted: boolean): Status {
  switch (p.kind) {
    case 'begin':
      return { state: 'analysing', title: p.title ?? 'analysing', message: p.message, percentage: p.percentage };
    case 'report': {
      const title = s.state === 'analysing' ? s.title : 'analysing';
      return { state: 'analysing', title, message: p.message, percentage: p.percentage };
    }
    case 'end':
      return { state: 'ready', trusted };
  }
}

export function statusText(s: Status): { text: string; tooltip: string } {
  switch (s.state) {
    case 'starting':
      return { text: '$(sync~spin) cargo-caps', tooltip: 'cargo-caps: starting the language server' };
    case 'analysing': {
      const pct = s.percentage === undefined ? '' : ` ${Math.round(s.percentage)}%`;
      const msg = s.message ? ` ${s.message}` : '';
      return { text: `$(sync~spin) cargo-caps: ${s.title}${pct}`, tooltip: `cargo-caps: ${s.title}${msg}${pct}` };
    }
    case 'ready': {
      const mode = s.trusted ? '' : ' (untrusted: cargo not run)';
      if (s.review === undefined) {
        return { text: `$(shield) cargo-caps${s.trusted ? '' : ' $(workspace-untrusted)'}`, tooltip: `cargo-caps${mode}: click for the capability report` };
      }
      const n = s.review === 1 ? '1 crate needs review' : `${s.review} crates need review`;
      return {
        text: `$(shield) ${n}${s.trusted ? '' : ' $(workspace-untrusted)'}`,
        tooltip: `cargo-caps${mode}: ${n} (crates whose code can do I/O or use unsafe, or could not be fully analysed). Click for the capability report.`,
      };
    }
    case 'failed':
      return { text: '$(error) cargo-caps', tooltip: s.error };
  }
}

/**
 * cratesNeedingReview counts the crates of a JSON report (`cargo-caps check
 * --format json`) whose own code is not pure or was not fully analysed;
 * undefined when the text is not such a report.
 */
export function cratesNeedingReview(json: string): number | undefined {
  let report: unknown;
  try {
    report = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof report !== 'object' || report === null) {
    return undefined;
  }
  const crates = (report as { crates?: unknown }).crates;
  if (!Array.isArray(crates)) {
    return undefined;
  }
  let n = 0;
  for (const c of crates) {
    if (typeof c !== 'object' || c === null) {
      continue;
    }
    const { pure, unanalysed } = c as { pure?: unknown; unanalysed?: unknown };
    if (pure === false || (typeof unanalysed === 'number' && unanalysed > 0)) {
      n++;
    }
  }
  return n;
}
