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
  // review is the last count, shown again when analysis ends until a new one arrives.
  | { state: 'analysing'; title: string; message?: string; percentage?: number; review?: number }
  | { state: 'ready'; review?: number; trusted: boolean }
  | { state: 'failed'; error: string };

export function nextStatus(s: Status, p: ProgressValue, trusted: boolean): Status {
  const review = s.state === 'ready' || s.state === 'analysing' ? s.review : undefined;
  switch (p.kind) {
    case 'begin':
      return { state: 'analysing', title: p.title ?? 'analysing', message: p.message, percentage: p.percentage, review };
    case 'report': {
      const title = s.state === 'analysing' ? s.title : 'analysing';
      return { state: 'analysing', title, message: p.message, percentage: p.percentage, review };
    }
    case 'end':
      return { state: 'ready', trusted, review };
  }
}

export function statusText(s: Status): { text: string; tooltip: string } {
  switch (s.state) {
    case 'starting':
      return { text: '$(sync~spin) cargo-caps', tooltip: 'cargo-caps: starting the language server' };
    case 'analysing': {
      const pct = s.percentage === undefined ? '' : ` ${Math.round(s.percentage)}%`;
      // The status bar stays short; the tooltip has the server's words.
      const what = [s.title === 'cargo-caps' ? '' : s.title, s.message ?? ''].filter((w) => w !== '').join(' ');
      return { text: `$(sync~spin) cargo-caps${pct}`, tooltip: `cargo-caps is analysing${what ? `: ${what}` : ''}${pct}` };
    }
    case 'ready': {
      const mode = s.trusted ? '' : ' (untrusted: cargo not run)';
      if (s.review === undefined) {
        return { text: `$(shield) cargo-caps${s.trusted ? '' : ' $(workspace-untrusted)'}`, tooltip: `cargo-caps${mode}: click for the capability report` };
      }
      const n = s.review === 1 ? '1 crate needs review' : `${s.review} crates need review`;
      return {
        text: `$(shield) ${n}${s.trusted ? '' : ' $(workspace-untrusted)'}`,
        tooltip: `cargo-caps${mode}: ${n} (dependencies whose code can do I/O or use unsafe, or could not be fully analysed). Click for the capability report.`,
      };
    }
    case 'failed':
      return { text: '$(error) cargo-caps', tooltip: s.error };
  }
}
