import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { decode } from '@jridgewell/sourcemap-codec';
import { firstPartySourceMap, type SourceMapV3, trimSourceMapFile } from '../../lib/first-party-source-map.cjs';
import { bundleFixture } from '../support/bundle-fixture';

let dir: string;
let bundleFile: string;
let fullMap: SourceMapV3;

/** A bundle of our code calling a dependency, both of which throw, built as the functions are. */
beforeAll(async () => {
  ({ dir, bundleFile } = await bundleFixture('first-party-map-', {
    dep: [
      'exports.padding = () => 42;',
      'exports.boom = function boom() {',
      "  throw new Error('from the dependency');",
      '};',
    ],
    app: [
      "import { boom, padding } from 'dep';",
      'export function ours(): never {',
      "  throw new Error('from our code');",
      '}',
      'export function theirs(): number {',
      '  boom();',
      '  return padding();',
      '}',
      'const which = process.argv[2];',
      'try {',
      "  if (which === 'ours') ours();",
      '  else theirs();',
      '} catch (error) {',
      '  console.log((error as Error).stack);',
      '}',
    ],
  }));
  fullMap = JSON.parse(readFileSync(`${bundleFile}.map`, 'utf8'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stackOf = (which: string) =>
  spawnSync(process.execPath, ['--enable-source-maps', bundleFile, which], { encoding: 'utf8' }).stdout;

test('keeps only the sources outside node_modules', () => {
  expect(fullMap.sources.some((s) => s.includes('node_modules'))).toBe(true);
  const trimmed = firstPartySourceMap(fullMap);
  expect(trimmed.sources).toEqual(fullMap.sources.filter((s) => !s.includes('node_modules')));
  expect(trimmed.mappings.length).toBeLessThan(fullMap.mappings.length);
  // Only the names our mappings use, each once.
  expect(trimmed.names!.length).toBeGreaterThan(0);
  expect(trimmed.names!.length).toBeLessThan(fullMap.names!.length);
  expect(new Set(trimmed.names).size).toBe(trimmed.names!.length);
  const used = new Set(decode(trimmed.mappings).flatMap((line) => line.flatMap((s) => (s.length === 5 ? [s[4]] : []))));
  expect([...used].sort((a, b) => a - b)).toEqual(trimmed.names!.map((_, i) => i));
});

test('every position in our code maps as before; none in a dependency maps anywhere', () => {
  const full = new SourceMap(fullMap as never);
  const trimmed = new SourceMap(firstPartySourceMap(fullMap) as never);
  let ours = 0;
  let theirs = 0;
  decode(fullMap.mappings).forEach((segments, line) => {
    for (const [column] of segments) {
      for (const c of [column, column + 1]) {
        const before = full.findEntry(line, c) as { originalSource?: string };
        const after = trimmed.findEntry(line, c) as { originalSource?: string };
        if (before.originalSource && !before.originalSource.includes('node_modules')) {
          ours++;
          expect(after).toEqual(before);
        } else {
          theirs++;
          expect(after.originalSource).toBeUndefined();
        }
      }
    }
  });
  expect(ours).toBeGreaterThan(0);
  expect(theirs).toBeGreaterThan(0);
});

test('stack traces still name our source lines, and a trimmed file trims to itself', () => {
  trimSourceMapFile(`${bundleFile}.map`);
  const once = readFileSync(`${bundleFile}.map`, 'utf8');
  trimSourceMapFile(`${bundleFile}.map`);
  expect(readFileSync(`${bundleFile}.map`, 'utf8')).toBe(once);

  expect(stackOf('ours')).toMatch(/src\/app\.ts:3:\d+/);
  const theirs = stackOf('theirs');
  // Our caller is mapped; the dependency's frame keeps its place in the bundle, not a borrowed line.
  expect(theirs).toMatch(/src\/app\.ts:6:\d+/);
  expect(theirs).toMatch(/out\/index\.js:\d+:\d+/);
  expect(theirs).not.toMatch(/node_modules\/dep/);
});
