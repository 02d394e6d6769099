// The "Capability review" tree, as data: crates needing review → capability
// → sites, then the audited and the pure crates in their own groups. Built
// from cargoCaps/report's JSON (the shape of `cargo-caps report --format
// json`); knows nothing of VS Code, so it is tested on its own.

/** One site of `report --format json`: file is relative to its crate's dir, line 1-based. */
export interface ReportSite {
  capability: string;
  api: string;
  file: string;
  line: number;
  function: string;
  lines: number;
}

export interface ReportCrate {
  name: string;
  version: string;
  dir: string;
  capabilities: string[];
  lines: number;
  unanalysed: number;
  audited_by?: string[];
  sites?: ReportSite[];
  site_count?: number;
  functions?: number;
  site_lines?: number;
}

export interface Report {
  summary: string;
  review_sites: number;
  review_functions: number;
  review_site_lines: number;
  need_review: ReportCrate[];
  audited: ReportCrate[];
  pure: ReportCrate[];
}

/** A row of the tree; a site row says which file and line a click opens. */
export interface ReviewNode {
  label: string;
  description?: string;
  tooltip?: string;
  kind: 'group' | 'crate' | 'capability' | 'site';
  children: ReviewNode[];
  expanded?: boolean;
  open?: { path: string; line: number };
}

// Most powerful first (SPEC §1), as `report --sites` lists them.
const power = ['unsafe', 'process', 'fs', 'net', 'env', 'fs-readonly', 'env-readonly'];

function plural(n: number, word: string): string {
  return n === 1 ? `1 ${word}` : `${n} ${word}s`;
}

function join(dir: string, file: string): string {
  return file.startsWith('/') || dir === '' ? file : `${dir.replace(/\/$/, '')}/${file}`;
}

function site(c: ReportCrate, s: ReportSite): ReviewNode {
  return {
    label: s.function,
    description: `${s.api} · ${s.file}:${s.line}`,
    tooltip: `${s.api} needs ${s.capability}, in ${s.function} (${plural(s.lines, 'line')}), ${c.name} ${c.version} ${s.file}:${s.line}`,
    kind: 'site',
    children: [],
    open: { path: join(c.dir, s.file), line: s.line },
  };
}

function needing(c: ReportCrate): ReviewNode {
  const sites = c.sites ?? [];
  const caps = [...new Set(sites.map((s) => s.capability))].sort((a, b) => power.indexOf(a) - power.indexOf(b));
  const children = caps.map((cap): ReviewNode => {
    const of = sites.filter((s) => s.capability === cap);
    return { label: cap, description: plural(of.length, 'site'), kind: 'capability', children: of.map((s) => site(c, s)) };
  });
  if (c.unanalysed > 0) {
    children.push({ label: `${c.unanalysed} unanalysed`, description: 'read them whole', kind: 'capability', children: [] });
  }
  return {
    label: `${c.name} ${c.version}`,
    description: `${plural(c.site_count ?? sites.length, 'site')} in ${plural(c.functions ?? 0, 'function')} (${c.site_lines ?? 0} of ${c.lines} lines)`,
    tooltip: `${c.name} ${c.version} uses ${c.capabilities.join(' ') || 'nothing known'}`,
    kind: 'crate',
    children,
  };
}

function listed(c: ReportCrate, description: string): ReviewNode {
  return { label: `${c.name} ${c.version}`, description, kind: 'crate', children: [] };
}

/** reviewTree turns the report into the tree's top rows, the three groups. */
export function reviewTree(r: Report): ReviewNode[] {
  return [
    {
      label: `Need review (${r.need_review.length})`,
      description: `${plural(r.review_sites, 'site')} in ${plural(r.review_functions, 'function')} (${plural(r.review_site_lines, 'line')} to read)`,
      tooltip: r.summary,
      kind: 'group',
      expanded: true,
      children: r.need_review.map(needing),
    },
    {
      label: `Audited (${r.audited.length})`,
      kind: 'group',
      children: r.audited.map((c) => listed(c, [c.capabilities.join(' '), ...(c.audited_by ?? [])].filter((s) => s !== '').join(' · '))),
    },
    {
      label: `Pure (${r.pure.length})`,
      kind: 'group',
      children: r.pure.map((c) => listed(c, 'no review needed')),
    },
  ];
}
