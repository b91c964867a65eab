import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { BUNDLE_FILE, esbuildOptions } from '../../lib/handler-function';

const NODE_MODULES = path.join(__dirname, '..', '..', 'node_modules');

export interface BundleFixture {
  /** The temporary directory holding everything; the caller removes it. */
  dir: string;
  /** `src/app.ts` */
  app: string;
  /** `out/index.js`, its source map beside it as esbuild wrote it. */
  bundleFile: string;
}

/**
 * A bundle of our code (`src/app.ts`, from `app`'s lines) that imports `dep`, a package of its
 * own node_modules (`index.js`, from `dep`'s lines), built with the functions' esbuild options.
 * The project's packages resolve from its node_modules.
 */
export async function bundleFixture(prefix: string, lines: { app: string[]; dep: string[] }): Promise<BundleFixture> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const depDir = path.join(dir, 'node_modules', 'dep');
  mkdirSync(depDir, { recursive: true });
  writeFileSync(path.join(depDir, 'package.json'), '{"name":"dep","main":"index.js"}');
  writeFileSync(path.join(depDir, 'index.js'), [...lines.dep, ''].join('\n'));
  mkdirSync(path.join(dir, 'src'));
  const app = path.join(dir, 'src', 'app.ts');
  writeFileSync(app, [...lines.app, ''].join('\n'));
  const bundleFile = path.join(dir, 'out', BUNDLE_FILE);
  await esbuild.build({
    ...esbuildOptions(),
    entryPoints: [app],
    outfile: bundleFile,
    nodePaths: [NODE_MODULES],
    logLevel: 'silent',
  });
  return { dir, app, bundleFile };
}
