import type { Locator } from 'playwright-core';

/**
 * The few web-first assertions these tests need (playwright-core has no `expect`): each waits
 * for the page to get there, as a person would, and fails with what it saw instead.
 */
const TIMEOUT_MS = 10_000;

async function eventually(
  describe: string,
  read: () => Promise<unknown>,
  ok: (seen: unknown) => boolean,
): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  let seen: unknown;
  for (;;) {
    seen = await read().catch((error: unknown) => error);
    if (ok(seen)) return;
    if (Date.now() > deadline) throw new Error(`${describe}; last seen: ${JSON.stringify(String(seen))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function expect(locator: Locator) {
  return {
    toBeVisible: () => locator.waitFor({ state: 'visible', timeout: TIMEOUT_MS }),
    toHaveCount: (count: number) =>
      eventually(
        `expected ${count} of ${locator}`,
        () => locator.count(),
        (n) => n === count,
      ),
    toHaveValue: (value: string) =>
      eventually(
        `expected ${locator} to hold ${value}`,
        () => locator.inputValue(),
        (v) => v === value,
      ),
    toContainText: (text: string) =>
      eventually(
        `expected ${locator} to contain ${text}`,
        () => locator.textContent(),
        (t) => typeof t === 'string' && t.includes(text),
      ),
  };
}
