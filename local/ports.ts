import { createServer } from 'node:net';

/** The environment variables that choose the local stack's ports, with their defaults. */
export const PORT_VARIABLES = {
  api: { name: 'API_PORT', fallback: 3000 },
  dynamoDb: { name: 'DYNAMODB_PORT', fallback: 8000 },
  cognito: { name: 'COGNITO_PORT', fallback: 9229 },
  console: { name: 'CONSOLE_PORT', fallback: 3001 },
} as const;

/** The port the named variable of the environment gives, or `fallback` when it is unset; `0` means any free one. */
export function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${name} must be a port number, not "${raw}"`);
  return port;
}

/**
 * A free loopback port, for servers that must know their port before they start (cognito-local
 * writes it into every token's `iss`, so it cannot be told to pick one itself).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Whether nothing listens on this loopback port now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
