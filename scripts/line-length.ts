/**
 * Biome's formatter keeps code within its line width but cannot break a long string, comment or
 * regular expression; this check fails on any such line, so every file stays readable in a
 * side-by-side diff. The width is Biome's own, read from biome.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
const WIDTH: number = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')).formatter.lineWidth;
const SKIPPED = new Set(['node_modules', '.git', 'cdk.out', '.local', 'dist', 'coverage', 'reports', '.stryker-tmp']);
const CODE = /\.(ts|tsx|mts|cts|mjs|cjs|js)$/;

function* codeFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* codeFiles(path);
    else if (CODE.test(entry.name)) yield path;
  }
}

const long: string[] = [];
for (const file of codeFiles(ROOT)) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if ([...line].length > WIDTH) long.push(`${relative(ROOT, file)}:${i + 1}: ${[...line].length} characters`);
    });
}
if (long.length > 0) {
  console.error(`Lines longer than ${WIDTH} characters:\n${long.join('\n')}`);
  process.exit(1);
}
