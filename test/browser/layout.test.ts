/**
 * Layout in Chromium, at a desktop and a phone size: each case was a defect a person saw, and
 * is measured from the boxes the browser laid out, not from the styles.
 */
import type { Locator, Page } from 'playwright-core';
import { expect as expectPage } from './expect-page';
import {
  DESKTOP,
  nowSeconds,
  openManageTokens,
  PHONE,
  personWithTokens,
  SCREENSHOTS,
  sidewaysScroll,
  signIn,
  type Viewport,
  withConsole,
} from './session';

const session = withConsole();

const box = async (locator: Locator) => {
  const found = await locator.boundingBox();
  if (!found) throw new Error(`${locator} has no box`);
  return found;
};

/** Whether an element's content is wider than the element (it overflows its own box). */
const overflows = (locator: Locator) => locator.evaluate((el) => el.scrollWidth > el.clientWidth + 1);

const LONG_SCOPE = 'https://www.googleapis.com/auth/calendar.events.readonly';
const LONG_REASON =
  'Reported by the security team, see https://security.example.com/incidents/2026/11/30/' +
  `compromised-device-report-${'0123456789abcdef'.repeat(10)}?view=full&section=timeline for the whole report`;

test('the bulk revocation dialog lays out title, message and buttons one below the other', async () => {
  const { user: erin } = await personWithTokens(session, 'erin', [{}]);
  const page = await signIn(session, 'admin@example.com');
  await openManageTokens(page);
  const bulk = page.getByRole('form', { name: 'Bulk revoke user' });
  // A pasted sub works as well as a chosen person.
  await bulk.getByLabel(/^User/).fill(erin.sub);
  await bulk.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('button', { name: 'Revoke 1 token' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke 1 token?' });
  const title = await box(dialog.getByRole('heading'));
  const message = await box(dialog.locator('.dialog-message'));
  const cancel = await box(dialog.getByRole('button', { name: 'Cancel' }));
  expect(title.y + title.height).toBeLessThanOrEqual(message.y);
  expect(message.y + message.height).toBeLessThanOrEqual(cancel.y);
  await page.close();
});

async function manageTokensOnPhone(): Promise<Page> {
  const page = await signIn(session, 'admin@example.com', PHONE);
  await openManageTokens(page);
  await page.getByRole('button', { name: 'Details' }).first().waitFor();
  return page;
}

test('on a phone, Manage Tokens does not scroll sideways, and each row shows its status and Details', async () => {
  const page = await manageTokensOnPhone();
  if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/manage-tokens-phone.png` });
  expect(await sidewaysScroll(page)).toBe(0);
  const row = page.getByRole('table').getByRole('row').nth(1);
  for (const part of [
    row.getByText(/^(Active|✕ Revoked|Revoked)$/).first(),
    row.getByRole('button', { name: 'Details' }),
  ]) {
    const { x, width } = await box(part);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x + width).toBeLessThanOrEqual(PHONE.width);
  }
  await page.close();
});

test.each([
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as [string, Viewport][])('on a %s, URL-style scopes and long reasons with links wrap', async (_name, viewport) => {
  const now = nowSeconds();
  const calendar = { clientId: 'calendar-bridge', clientName: 'Calendar Bridge' };
  const { user: frank } = await personWithTokens(session, 'frank', [
    { ...calendar, scope: `${LONG_SCOPE} openid`, revokedAt: now - 60, revokeReason: LONG_REASON },
    { ...calendar, scope: LONG_SCOPE },
  ]);
  const page = await signIn(session, frank.username, viewport, frank.password);
  const app = page.getByRole('region', { name: 'Calendar Bridge' });
  await app.getByRole('button', { name: 'Tokens', exact: true }).click();
  const revoked = app.getByRole('list', { name: 'Tokens' }).getByRole('article').filter({ hasText: 'Revoked' });
  await revoked.getByRole('button', { name: 'Details' }).click();
  const reason = revoked.getByText(LONG_REASON);
  await expectPage(reason).toBeVisible();
  expect(await sidewaysScroll(page)).toBe(0);
  for (const scope of await app.getByText(LONG_SCOPE, { exact: true }).all())
    expect(await overflows(scope)).toBe(false);
  expect(await overflows(reason)).toBe(false);
  const card = await box(app);
  const reasonBox = await box(reason);
  expect(reasonBox.x + reasonBox.width).toBeLessThanOrEqual(card.x + card.width);
  await page.close();
});
