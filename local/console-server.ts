import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import sirv from 'sirv';
import type { ConsoleConfig } from '../console/src/console-config';
import { consoleContentSecurityPolicy } from '../console/src/content-security-policy';
import { listenOnLoopback } from './loopback';

/**
 * The web console as CloudFront serves it deployed: the built files of `console/dist` (served by
 * sirv, which also refuses paths that leave the folder and malformed ones), with the same security
 * headers, plus a `config.json` that points it at this local stack. The config (and the CSP that
 * names the API) is given once the API runs; until then every request answers 503.
 */
export async function startConsoleServer(port: number, root: string) {
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`the web console is not built (no ${join(root, 'index.html')}): run npm run build:console`);
  }
  let config: { json: string; headers: Record<string, string> } | undefined;
  const files = sirv(root, {
    dev: false,
    etag: true,
    // No directory listings, no single-page fallback: the console routes with the URL's hash.
    single: false,
    setHeaders: (response) => {
      for (const [name, value] of Object.entries(config?.headers ?? {})) response.setHeader(name, value);
    },
  });
  const server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (!config) {
      response.writeHead(503, { 'Retry-After': '1' }).end();
      return;
    }
    if (request.url?.split('?')[0] === '/config.json') {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(config.json);
      return;
    }
    files(request, response, () => {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
    });
  });
  const listener = await listenOnLoopback(server, port);
  return {
    root,
    url: `${listener.origin}/`,
    configure(value: ConsoleConfig): void {
      const connectSources = [new URL(value.apiUrl).origin];
      if (value.auth.kind === 'password') connectSources.push(new URL(value.auth.cognitoEndpoint).origin);
      config = {
        json: JSON.stringify(value),
        headers: {
          'Content-Security-Policy': consoleContentSecurityPolicy(connectSources),
          'X-Content-Type-Options': 'nosniff',
          'X-Frame-Options': 'DENY',
          'Referrer-Policy': 'no-referrer',
        },
      };
    },
    close: listener.close,
  };
}
