// @ts-check
'use strict';
/**
 * Cuts a bundle's source map down to the project's own sources.
 *
 * 97 % of a function's map (750 of 770 KiB) describes its dependencies (the AWS SDK, Powertools,
 * zod), which no stack trace of ours needs: a logged error reads the map beside the bundle
 * (lambdas/telemetry/stack-traces.ts), and so does Node when `--enable-source-maps` is on. Kept here:
 * every mapping into the project's own code, so its frames still show
 * `lambdas/…/file.ts:line:column`. A frame inside a dependency shows its position in the bundle
 * (`index.js:1:123456`) instead of the package file: each run of dropped mappings becomes one
 * mapping to no source, so such a frame never borrows the nearest project line.
 *
 * Plain CommonJS: NodejsFunction runs it after esbuild (`commandHooks`), as
 * `node lib/first-party-source-map.cjs <index.js.map>`, which rewrites the map in place. The
 * mappings are decoded and encoded by @jridgewell/sourcemap-codec (a devDependency: it runs where
 * the functions are bundled, never in them).
 */
const { readFileSync, writeFileSync } = require('node:fs');
const { decode, encode } = require('@jridgewell/sourcemap-codec');

/** Sources under a node_modules directory belong to dependencies. */
const isFirstParty = (/** @type {string} */ source) => !source.split(/[\\/]/).includes('node_modules');

/**
 * @typedef {{ version: number, sources: string[], names?: string[], mappings: string,
 *   sourcesContent?: (string | null)[], sourceRoot?: string, file?: string }} SourceMap
 * @typedef {import('@jridgewell/sourcemap-codec').SourceMapSegment} Segment
 */

/**
 * The same map with only the mappings into the project's own sources.
 * @param {SourceMap} map
 * @returns {SourceMap}
 */
function firstPartySourceMap(map) {
  if (map.version !== 3) throw new Error(`source map version ${map.version}, expected 3`);
  /** Old source index → new one, for the sources kept. */
  const sourceIndex = new Map();
  const sources = [];
  map.sources.forEach((source, i) => {
    if (isFirstParty(source)) {
      sourceIndex.set(i, sources.length);
      sources.push(source);
    }
  });
  /** Old name index → new one, for the names a kept mapping uses. */
  const nameIndex = new Map();
  const names = [];
  const renamed = (/** @type {number} */ name) => {
    if (!nameIndex.has(name)) {
      nameIndex.set(name, names.length);
      names.push(/** @type {string[]} */ (map.names)[name]);
    }
    return nameIndex.get(name);
  };
  // Decoded segments hold absolute values: [column, source, line, column in source, name?].
  const lines = decode(map.mappings).map((segments) => {
    /** @type {Segment[]} */
    const out = [];
    let lastUnmapped = false;
    for (const segment of segments) {
      if (segment.length >= 4 && sourceIndex.has(segment[1])) {
        const [column, source, line, sourceColumn] = segment;
        out.push(
          segment.length === 5
            ? [column, sourceIndex.get(source), line, sourceColumn, renamed(segment[4])]
            : [column, sourceIndex.get(source), line, sourceColumn],
        );
        lastUnmapped = false;
      } else if (!lastUnmapped) {
        out.push([segment[0]]);
        lastUnmapped = true;
      }
    }
    return out;
  });
  /** @type {SourceMap} */
  const trimmed = { version: 3, sources, names, mappings: encode(lines) };
  if (map.sourceRoot !== undefined) trimmed.sourceRoot = map.sourceRoot;
  if (map.file !== undefined) trimmed.file = map.file;
  if (map.sourcesContent) trimmed.sourcesContent = [...sourceIndex.keys()].map((i) => map.sourcesContent?.[i] ?? null);
  return trimmed;
}

/** Rewrites the map file in place. @param {string} file */
function trimSourceMapFile(file) {
  const map = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify(firstPartySourceMap(map)));
}

module.exports = { firstPartySourceMap, trimSourceMapFile };

if (require.main === module) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node lib/first-party-source-map.cjs <file.map>...');
    process.exit(2);
  }
  for (const file of files) trimSourceMapFile(file);
}
