/**
 * `npm run bench`: every benchmark in one run, on this machine, with its baselines built in the
 * same run. Writes bench/results.json (all figures) and BENCHMARKS.md (tables, budgets, method).
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { run as coldStart } from './cold-start';
import { costSection } from './cost';
import { run as listCost } from './list-cost';
import { type BenchSection, budgetsTable, markdownTable, sectionMarkdown } from './section';
import { run as throughput } from './throughput';

const ROOT = join(__dirname, '..');

/** The handler's own time per request, measured by the throughput benchmark, prices Lambda. */
function measuredHandlerMs(section: BenchSection): number | undefined {
  const value = (section.results as { handlerP50Ms?: unknown }).handlerP50Ms;
  return typeof value === 'number' ? value : undefined;
}

function render(sections: BenchSection[], machine: Record<string, string>, seconds: number): string {
  const budgets = sections.flatMap((s) => s.targets);
  const met = budgets.filter((t) => t.met).length;
  return [
    '# Benchmarks',
    '',
    'Made by `npm run bench` (`bench/run.ts`); every figure below is in `bench/results.json`. ' +
      "Baselines are built and measured in the same run as the project's own code.",
    '',
    markdownTable(['machine', ''], Object.entries(machine)),
    '',
    `Whole run: ${seconds.toFixed(0)} s. Budgets met: ${met} of ${budgets.length}.`,
    '',
    '## Budgets',
    '',
    budgetsTable(budgets),
    '',
    ...sections.flatMap((s) => [sectionMarkdown(s), '']),
  ].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const sections: BenchSection[] = [];
  for (const bench of [coldStart, listCost, throughput]) {
    const section = await bench();
    sections.push(section);
    console.log(`bench: ${section.title} done after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  const handlerMs = sections.map(measuredHandlerMs).find((ms) => ms !== undefined);
  sections.push(
    handlerMs === undefined
      ? costSection(20, 'an assumption: the throughput benchmark reported no handler time')
      : costSection(handlerMs, 'the handler time measured in-process by the throughput benchmark, against dynalite'),
  );
  const seconds = (Date.now() - started) / 1000;
  const machine = {
    CPU: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    Node: process.version,
    date: new Date().toISOString().slice(0, 10),
  };
  const figures = Object.fromEntries(sections.map((s) => [s.key, { targets: s.targets, results: s.results }]));
  writeFileSync(
    join(ROOT, 'bench', 'results.json'),
    `${JSON.stringify({ machine, seconds, sections: figures }, null, 2)}\n`,
  );
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), render(sections, machine, seconds));
  console.log(`bench: wrote bench/results.json and BENCHMARKS.md in ${seconds.toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
