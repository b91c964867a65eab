import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { ConsoleConfig } from '../console/src/console-config';
import { consoleContentSecurityPolicy } from '../console/src/content-security-policy';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * The web console as CloudFront serves it deployed: the built files of `console/dist`, plus a
 * `config.json` that points it at this local stack (password sign-in against cognito-local).
 */
export async function startConsoleServer(port: number, distDir: string, config: ConsoleConfig) {
  const root = normalize(distDir + sep);
  const configJson = JSON.stringify(config);
  const connectSources = [new URL(config.apiUrl).origin];
  if (config.auth.kind === 'password') connectSources.push(new URL(config.auth.cognitoEndpoint).origin);
  const securityHeaders = {
    'Content-Security-Policy': consoleContentSecurityPolicy(connectSources),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
  };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/config.json') {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(configJson);
      return;
    }
    const file = normalize(join(root, decodeURIComponent(path === '/' ? '/index.html' : path)));
    if (!file.startsWith(root)) {
      response.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (content) => {
        response
          .writeHead(200, {
            'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
            ...securityHeaders,
          })
          .end(request.method === 'HEAD' ? undefined : content);
      },
      () => response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found'),
    );
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
