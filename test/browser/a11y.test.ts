/**
 * axe-core on every main page and every open dialog, at a desktop and a phone size: no serious
 * or critical finding. Each page is checked in the state a person works in (tokens expanded,
 * details open, suggestions showing), so what only appears on demand is checked too.
 */
import type { Page } from 'playwright-core';
import { expect as expectPage } from './expect-page';
import {
  axeFindings,
  DESKTOP,
  openManageTokens,
  PHONE,
  personWithTokens,
  sidewaysScroll,
  signIn,
  type Viewport,
  withConsole,
} from './session';

const session = withConsole();

const SIZES: [string, Viewport][] = [
  ['desktop', DESKTOP],
  ['phone', PHONE],
];

/** The page, or the open dialog, has no serious or critical finding and does not scroll sideways. */
async function expectAccessible(page: Page, what: string, dialog = false): Promise<void> {
  const findings = await axeFindings(page, dialog ? 'dialog[open]' : undefined);
  expect({ what, findings }).toEqual({ what, findings: [] });
  expect({ what, sideways: await sidewaysScroll(page) }).toEqual({ what, sideways: 0 });
}

test.each(SIZES)('%s: the sign-in page', async (_size, viewport) => {
  const page = await session.browser.newPage({ viewport });
  await page.goto(session.consoleUrl);
  await page.getByRole('form', { name: 'Sign in' }).waitFor();
  await expectAccessible(page, 'sign-in');
  await page.close();
});

test('control: the check does see a serious finding (a button without a name)', async () => {
  const page = await session.browser.newPage({ viewport: DESKTOP });
  await page.goto(session.consoleUrl);
  await page.getByRole('form', { name: 'Sign in' }).waitFor();
  await page.evaluate(() => {
    const { document } = globalThis as any;
    document.querySelector('main').append(document.createElement('button'));
  });
  expect((await axeFindings(page)).map((f) => f.id)).toContain('button-name');
  await page.close();
});

test.each(SIZES)('%s: My Connected Apps and its dialogs', async (_size, viewport) => {
  const { user } = await personWithTokens(session, 'nora', [
    { clientId: 'notes-app', clientName: 'Notes', tokenType: 'refresh_token' },
    { clientId: 'notes-app', clientName: 'Notes', revokedAt: Math.floor(Date.now() / 1000) - 5 },
  ]);
  const page = await signIn(session, user.username, viewport, user.password);
  const app = page.getByRole('region', { name: 'Notes' });
  await app.getByRole('button', { name: 'Tokens', exact: true }).click();
  await expectPage(app.getByRole('list', { name: 'Tokens' }).getByRole('article')).toHaveCount(2);
  for (const details of await app.getByRole('button', { name: 'Details' }).all()) await details.click();
  await expectPage(app.getByText('Revoked by')).toBeVisible();
  await expectAccessible(page, 'My Connected Apps');

  await app.getByRole('button', { name: 'Revoke', exact: true }).click();
  await page.getByRole('dialog', { name: 'Revoke this token?' }).waitFor();
  await expectAccessible(page, 'revoke token dialog', true);
  await page.keyboard.press('Escape');

  await app.getByRole('button', { name: 'Revoke Access' }).click();
  await page.getByRole('dialog', { name: 'Revoke access for Notes?' }).waitFor();
  await expectAccessible(page, 'revoke access dialog', true);
  await page.keyboard.press('Escape');
  await page.close();
});

test.each(SIZES)('%s: Manage Tokens and its dialogs', async (_size, viewport) => {
  const { user } = await personWithTokens(session, 'omar', [{ clientId: 'notes-app', clientName: 'Notes' }]);
  const page = await signIn(session, 'admin@example.com', viewport);
  await openManageTokens(page);
  const filters = page.getByRole('form', { name: 'Filter tokens' });
  await filters.getByRole('combobox', { name: 'User', exact: true }).fill(user.username);
  await filters.getByRole('button', { name: 'Apply' }).click();
  await expectPage(page.getByRole('table').getByRole('row')).toHaveCount(2);
  await page.getByRole('button', { name: /^Details/ }).click();
  await page.getByRole('region', { name: 'Token details' }).getByText(user.username).waitFor();
  await expectAccessible(page, 'Manage Tokens with details');

  await page
    .getByRole('region', { name: 'Token details' })
    .getByRole('button', { name: 'Revoke', exact: true })
    .click();
  await page.getByRole('dialog', { name: 'Revoke this token?' }).waitFor();
  await expectAccessible(page, 'admin revoke dialog', true);
  await page.keyboard.press('Escape');

  const bulk = page.getByRole('form', { name: 'Bulk revoke user' });
  const bulkUser = bulk.getByRole('combobox', { name: 'User', exact: true });
  await bulkUser.fill('');
  await bulkUser.fill('o');
  await bulk.getByRole('listbox').getByRole('option').first().waitFor();
  await expectAccessible(page, 'Manage Tokens with suggestions');
  await bulkUser.fill(user.username);
  await bulk.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('button', { name: 'Revoke 1 token' }).click();
  await page.getByRole('dialog', { name: 'Revoke 1 token?' }).waitFor();
  await expectAccessible(page, 'bulk revoke dialog', true);
  await page.keyboard.press('Escape');
  await page.close();
});
