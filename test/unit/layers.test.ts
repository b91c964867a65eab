/**
 * The domain decides; it neither speaks HTTP nor knows AWS. Each domain module may import only
 * other domain modules and Node's own `node:` modules, so the rules stay testable without a
 * request, a table or a route table.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DOMAIN = join(__dirname, '../../lambdas/domain');
const modules = readdirSync(DOMAIN).filter((name) => name.endsWith('.ts'));

function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

describe('lambdas/domain', () => {
  it('has modules to check', () => {
    expect(modules.length).toBeGreaterThan(10);
  });

  it.each(modules)('%s imports only domain modules and node: built-ins', (name) => {
    const outside = importsOf(readFileSync(join(DOMAIN, name), 'utf8')).filter(
      (specifier) =>
        !(specifier.startsWith('./') && !specifier.slice(2).includes('/')) && !specifier.startsWith('node:'),
    );
    expect(outside).toEqual([]);
  });

  it('finds an import that breaks the rule', () => {
    expect(importsOf("import type { Access } from '../routes';\nimport * as z from 'zod/mini';")).toEqual([
      '../routes',
      'zod/mini',
    ]);
  });
});
