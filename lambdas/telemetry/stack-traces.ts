import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Stack traces in the project's own source lines, worked out when an error is logged instead of
 * while the function starts.
 *
 * Node's `--enable-source-maps` reads the map as it loads a bundle, and then counts the length of
 * every line of the bundle, character by character, whether or not an error ever needs a map:
 * a few milliseconds of every cold start for a bundle of a few hundred KiB (BENCHMARKS.md, cold
 * start). The functions run without it; the logger passes each error it logs through
 * `withSourceMappedStacks`, which reads the map beside the bundle (once per function instance)
 * and rewrites the frames it covers. A frame it does not cover keeps its place in the bundle,
 * as it would with the flag.
 *
 * Only `.js` and `.mjs` files outside node_modules are looked up, so where there is no bundle
 * (the local stack and the tests run the TypeScript sources) or Node maps the frames itself,
 * stacks pass through unchanged.
 */

/** `/var/task/index.js:1:2345` (CommonJS) or `file:///var/task/index.mjs:1:2345` (ES module), as V8 writes a frame. */
const FRAME_LOCATION = /(?<file>(?:file:\/\/)?\/[^\s():]+\.m?js):(?<line>\d+):(?<column>\d+)/;

const maps = new Map<string, SourceMap | undefined>();

function sourceMapOf(file: string): SourceMap | undefined {
  if (!maps.has(file)) {
    let map: SourceMap | undefined;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    } catch {
      map = undefined;
    }
    maps.set(file, map);
  }
  return maps.get(file);
}

function mapFrame(frame: string): string {
  const match = FRAME_LOCATION.exec(frame);
  if (!match?.groups) return frame;
  const { file: location = '', line, column } = match.groups;
  const file = location.startsWith('file:') ? fileURLToPath(location) : location;
  if (file.split(path.sep).includes('node_modules')) return frame;
  const map = sourceMapOf(file);
  const origin = map?.findOrigin(Number(line), Number(column));
  if (!origin || !('fileName' in origin)) return frame;
  const source = path.resolve(path.dirname(file), origin.fileName);
  return frame.replace(match[0], `${source}:${origin.lineNumber}:${origin.columnNumber}`);
}

/** The stack with every frame the bundle's source map covers in its original file, line and column. */
export function sourceMappedStack(stack: string): string {
  return stack.split('\n').map(mapFrame).join('\n');
}

const mapped = new WeakSet<Error>();

/** The same error, its stack and those of its causes rewritten by `sourceMappedStack` (once). */
export function withSourceMappedStacks<T>(value: T): T {
  for (let error: unknown = value; error instanceof Error && !mapped.has(error); error = error.cause) {
    mapped.add(error);
    if (typeof error.stack === 'string') error.stack = sourceMappedStack(error.stack);
  }
  return value;
}
