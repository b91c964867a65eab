/**
 * The console's build: `npm run build:console` writes console/dist (index.html + assets/).
 * The stacks serve that folder with a `config.json` next to index.html (see src/console-config.ts),
 * so one build works against every stack. `base: './'` keeps every URL relative, so the console
 * works under any path (a CloudFront distribution's root, a sub-path, a local static server).
 *
 * JSX is compiled by Vite's own transformer (oxc in Vite 8) for Preact; no framework plugin.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The console talks to one API; no module preload polyfill needed for evergreen browsers.
    modulePreload: { polyfill: false },
  },
});
