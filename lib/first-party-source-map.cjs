// @ts-check
'use strict';
/**
 * Cuts a bundle's source map down to the project's own sources.
 *
 * The functions run with `--enable-source-maps`, and Node reads and parses the whole map while it
 * loads the bundle, on every cold start. 97 % of a function's map (750 of 770 KiB) describes its
 * dependencies (the AWS SDK, Powertools, the X-Ray SDK, zod), and parsing it cost tens of
 * milliseconds per cold start (BENCHMARKS.md, cold start). Kept here: every mapping into the project's
 * own code, so its frames still show `lambdas/…/file.ts:line:column`. A frame inside a
 * dependency shows its position in the bundle (`index.mjs:1:123456`) instead of the package
 * file: each run of dropped mappings becomes one mapping to no source, so such a frame never
 * borrows the nearest project line.
 *
 * Plain CommonJS without dependencies: NodejsFunction runs it after esbuild (`commandHooks`), as
 * `node lib/first-party-source-map.cjs <index.mjs.map>`, which rewrites the map in place.
 */
const { readFileSync, writeFileSync } = require('node:fs');

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) DIGIT[BASE64.charCodeAt(i)] = i;

/** The fields of one mapping segment. @param {string} segment @returns {number[]} */
function decode(segment) {
  const fields = [];
  let value = 0;
  let shift = 0;
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    const digit = code < 128 ? DIGIT[code] : -1;
    if (digit < 0) throw new Error(`invalid base64 VLQ digit ${JSON.stringify(segment[i])}`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    fields.push(value % 2 === 1 ? -Math.floor(value / 2) : value / 2);
    value = 0;
    shift = 0;
  }
  if (shift !== 0) throw new Error('truncated base64 VLQ');
  return fields;
}

/** @param {number[]} fields */
function encode(fields) {
  let out = '';
  for (const field of fields) {
    let v = field < 0 ? -field * 2 + 1 : field * 2;
    do {
      let digit = v % 32;
      v = Math.floor(v / 32);
      if (v > 0) digit |= 32;
      out += BASE64[digit];
    } while (v > 0);
  }
  return out;
}

/** Sources under a node_modules directory belong to dependencies. */
const isFirstParty = (/** @type {string} */ source) => !source.split(/[\\/]/).includes('node_modules');

/**
 * @typedef {{ version: number, sources: string[], names?: string[], mappings: string,
 *   sourcesContent?: (string | null)[], sourceRoot?: string, file?: string }} SourceMap
 */

/**
 * The same map with only the mappings into sources `keep` accepts.
 * @param {SourceMap} map
 * @param {(source: string) => boolean} [keep]
 * @returns {SourceMap}
 */
function firstPartySourceMap(map, keep = isFirstParty) {
  if (map.version !== 3) throw new Error(`source map version ${map.version}, expected 3`);
  const sourceIndex = new Map();
  const sources = [];
  map.sources.forEach((source, i) => {
    if (keep(source)) {
      sourceIndex.set(i, sources.length);
      sources.push(source);
    }
  });
  const nameIndex = new Map();
  const names = [];
  // Absolute values of the fields that are relative across the whole map, before and after.
  let source = 0,
    line = 0,
    column = 0,
    name = 0;
  let outSource = 0,
    outLine = 0,
    outColumn = 0,
    outName = 0;
  const lines = map.mappings.split(';').map((segments) => {
    const out = [];
    let generated = 0;
    let outGenerated = 0;
    let lastUnmapped = false;
    for (const segment of segments.split(',')) {
      if (segment === '') continue;
      const f = decode(segment);
      generated += f[0];
      let mapped = false;
      if (f.length >= 4) {
        source += f[1];
        line += f[2];
        column += f[3];
        if (f.length >= 5) name += f[4];
        mapped = sourceIndex.has(source);
      }
      if (mapped) {
        const s = sourceIndex.get(source);
        const fields = [generated - outGenerated, s - outSource, line - outLine, column - outColumn];
        if (f.length >= 5) {
          if (!nameIndex.has(name)) {
            nameIndex.set(name, names.length);
            names.push(/** @type {string[]} */ (map.names)[name]);
          }
          const n = nameIndex.get(name);
          fields.push(n - outName);
          outName = n;
        }
        out.push(encode(fields));
        outGenerated = generated;
        outSource = s;
        outLine = line;
        outColumn = column;
        lastUnmapped = false;
      } else if (!lastUnmapped) {
        out.push(encode([generated - outGenerated]));
        outGenerated = generated;
        lastUnmapped = true;
      }
    }
    return out.join(',');
  });
  /** @type {SourceMap} */
  const trimmed = { version: 3, sources, names, mappings: lines.join(';') };
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

module.exports = { firstPartySourceMap, trimSourceMapFile, decode, encode };

if (require.main === module) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node lib/first-party-source-map.cjs <file.map>...');
    process.exit(2);
  }
  for (const file of files) trimSourceMapFile(file);
}
