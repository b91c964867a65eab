/**
 * What every browser test does: a local stack with the demo data, Chromium, a person signed in
 * at a given screen size, and the checks that apply to any page (no script or CSP errors, no
 * sideways scrolling, no serious or critical axe-core finding).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import type { TokenRecord } from '../../lambdas/domain/token';
import {
  createUser,
  type LocalStack,
  putTokens,
  REPO_ROOT,
  startLocalStack,
  type TestUser,
  tokenRecord,
} from '../support/local-stack';
import { launchBrowser } from './browser';

export const DEMO_PASSWORD = 'Demo-Passw0rd!';
export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;
export type Viewport = typeof DESKTOP | typeof PHONE;

/** Only with UPDATE_SCREENSHOTS=1: a test run must leave the clone as it found it. */
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(REPO_ROOT, 'docs', 'screenshots') : null;

export interface ConsoleSession {
  stack: LocalStack;
  browser: Browser;
  consoleUrl: string;
}

/**
 * A local stack with the demo users and tokens, and a browser, for one test file: the session
 * is filled in before its first test and stopped after its last.
 */
export function withConsole(env: Record<string, string> = {}): ConsoleSession {
  jest.setTimeout(60_000);
  const session = {} as ConsoleSession;
  beforeAll(async () => {
    session.stack = await startLocalStack({ env: { LOCAL_SEED: '1', ...env } });
    session.consoleUrl = session.stack.outputs.ConsoleUrl;
    session.browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await session.browser?.close();
    await session.stack?.stop();
  }, 30_000);
  return session;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A new person (`<name>-<random>@example.com`) with a token for each of `tokens` (revoked ones revoked by them). */
export async function personWithTokens(
  session: ConsoleSession,
  name: string,
  tokens: Partial<TokenRecord>[],
): Promise<{ user: TestUser; records: TokenRecord[] }> {
  const user = await createUser(session.stack.outputs, name);
  const records = tokens.map((fields) =>
    tokenRecord({ userId: user.sub, ...(fields.revokedAt !== undefined && { revokedBy: user.sub }), ...fields }),
  );
  await putTokens(session.stack.outputs, records);
  return { user, records };
}

const failuresOf = new WeakMap<Page, string[]>();

/** Signs in through the form; the page opens on My Connected Apps. */
export async function signIn(
  session: ConsoleSession,
  email: string,
  viewport: Viewport = DESKTOP,
  password = DEMO_PASSWORD,
): Promise<Page> {
  const page = await session.browser.newPage({ viewport });
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') failures.push(message.text());
  });
  failuresOf.set(page, failures);
  await page.goto(session.consoleUrl);
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByRole('textbox', { name: 'Email' }).fill(email);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My Connected Apps' }).waitFor();
  return page;
}

/** Script errors and CSP violations (they surface as console errors). */
export const browserFailures = (page: Page): string[] => failuresOf.get(page) ?? [];

/** An admin on Manage Tokens. */
export async function openManageTokens(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Manage Tokens' }).click();
  await page.getByRole('heading', { name: 'Manage Tokens', level: 1 }).waitFor();
}

/** Presses Tab (at most 80 times) until `target` has the focus: how a keyboard user gets there. */
export async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let i = 0; i < 80; i++) {
    if (await target.evaluate((el) => el === (globalThis as any).document.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target}`);
}

/** How far the page itself scrolls sideways (0 when it fits its viewport). */
export const sidewaysScroll = (page: Page): Promise<number> =>
  page.evaluate(() => {
    // Runs in the page; the Node side's types know no DOM.
    const root = (globalThis as any).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * axe-core's serious and critical findings on the page, or inside `selector` only (an open
 * dialog). The page's CSP forbids inline script, so axe comes in through Playwright's own
 * evaluation, which the CSP does not govern.
 */
export async function axeFindings(page: Page, selector?: string): Promise<AxeFinding[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (include) => {
    const { axe, document } = globalThis as any;
    const result = await axe.run(include ? { include: [include] } : document, {
      resultTypes: ['violations'],
    });
    return result.violations
      .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: { id: string; impact: string; help: string; nodes: { target: string[] }[] }) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
      }));
  }, selector ?? null);
}
