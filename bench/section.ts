import { readFileSync } from 'node:fs';

/** What each benchmark reports; `bench/run.ts` gathers them into results.json and BENCHMARKS.md. */
export interface BudgetCheck {
  /** e.g. "list-own-tokens bundle bytes ≤ 0.5 × naive" */
  name: string;
  /** the budget as text, e.g. "≤ 0.5" (named `target` in results.json since the first run) */
  target: string;
  /** the measured figure as text, e.g. "0.42" */
  measured: string;
  met: boolean;
}

export interface BenchSection {
  /** Key in results.json, e.g. "coldStart". */
  key: string;
  /** Heading in BENCHMARKS.md. */
  title: string;
  /** How the numbers were made and how to reproduce them (markdown). */
  method: string;
  /** Markdown tables of the figures. */
  tables: string;
  /** What the figures show (markdown), after the tables; optional. */
  notes?: string;
  /** Raw figures, as they go into results.json. */
  results: unknown;
  /** The section's budgets (named `targets` in results.json since the first run). */
  targets: BudgetCheck[];
}

/** A markdown table from a header row and data rows. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const median = (xs: number[]): number => percentile(xs, 50);

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const budgetsTable = (budgets: BudgetCheck[]): string =>
  markdownTable(
    ['budget', 'allowed', 'measured', 'met'],
    budgets.map((t) => [t.name, t.target, t.measured, t.met ? 'yes' : '**no**']),
  );

/**
 * Each paragraph and list item (nested ones too) on one line, as markdown renders it, so no code span is cut in
 * two. Done to the template before it is filled, so the tables a value carries keep their lines.
 */
const unwrap = (markdown: string): string =>
  markdown
    .split(/\n{2,}/)
    .map((block) => block.replace(/\n(?!\s*(?:- |\|))\s*/g, ' '))
    .join('\n\n');

/**
 * A prose template's parts, filled: each part is the markdown after a `<!-- part: name -->` line,
 * up to the next such line, with each paragraph and list item on one line and every `{{placeholder}}`
 * replaced by its value. Throws when a placeholder has no value or a value has no placeholder,
 * so the prose and the figures a section measures cannot drift apart.
 */
export function renderTemplate(path: string, values: Record<string, string | number>): Record<string, string> {
  const used = new Set<string>();
  const fill = (text: string) =>
    text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      if (!(name in values)) throw new Error(`${path}: no value for {{${name}}}`);
      used.add(name);
      return String(values[name]);
    });
  const parts: Record<string, string> = {};
  const pieces = readFileSync(path, 'utf8').split(/^<!-- part: (\w+) -->$/m);
  for (let i = 1; i < pieces.length; i += 2) parts[pieces[i]!] = fill(unwrap(pieces[i + 1]!.trim()));
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`${path}: no placeholder for ${unused.join(', ')}`);
  return parts;
}

/** A section as BENCHMARKS.md shows it: heading, method, tables, notes. */
export const sectionMarkdown = (s: BenchSection): string =>
  [`## ${s.title}`, s.method, s.tables, ...(s.notes ? [s.notes] : [])].join('\n\n');

/** `npx tsx bench/<section>.ts`: one section alone, printed as BENCHMARKS.md shows it, with its budgets. */
export function runStandalone(run: () => Promise<BenchSection>): void {
  run()
    .then((s) => console.log([sectionMarkdown(s), budgetsTable(s.targets)].join('\n\n')))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
