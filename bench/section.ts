/** What each benchmark reports; `bench/run.ts` gathers them into results.json and BENCHMARKS.md. */
export interface TargetCheck {
  /** e.g. "list-own-tokens bundle bytes ≤ 0.5 × naive" */
  name: string;
  /** the target as text, e.g. "≤ 0.5" */
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
  /** Raw figures, as they go into results.json. */
  results: unknown;
  targets: TargetCheck[];
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

export const targetsTable = (targets: TargetCheck[]): string =>
  markdownTable(
    ['target', 'wanted', 'measured', 'met'],
    targets.map((t) => [t.name, t.target, t.measured, t.met ? 'yes' : '**no**']),
  );

/** `npx tsx bench/<section>.ts`: one section alone, its tables printed. */
export function runStandalone(run: () => Promise<BenchSection>): void {
  run()
    .then((s) => console.log(`## ${s.title}\n\n${s.tables}\n\n${targetsTable(s.targets)}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
