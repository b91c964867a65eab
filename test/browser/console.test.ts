/**
 * The web console in a real browser (Debian's Chromium driven by playwright-core) against a
 * local stack with its demo data: the README's screenshots are taken here.
 */
import { expect as expectPage } from './expect-page';
import {
  browserFailures,
  nowSeconds,
  openManageTokens,
  personWithTokens,
  SCREENSHOTS,
  signIn as signInAs,
  withConsole,
} from './session';

const session = withConsole();

const signIn = (email: string) => signInAs(session, email);

test('a user signs in, opens an app, revokes a token and sees it revoked', async () => {
  const page = await signIn('alice@example.com');
  const app = page.getByRole('region', { name: 'Calendar Sync' });
  await expectPage(app.getByText(/2 active tokens/)).toBeVisible();
  await app.getByRole('button', { name: 'Tokens', exact: true }).click();
  const tokens = app.getByRole('list', { name: 'Tokens' });
  const accessToken = tokens.getByRole('article', { name: /^Access token issued/ });
  await expectPage(accessToken.getByText('Active', { exact: true })).toBeVisible();
  if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/my-connected-apps.png`, fullPage: true });

  await accessToken.getByRole('button', { name: 'Revoke', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke this token?' });
  await expectPage(
    dialog.getByText(/This access token of Calendar Sync .* will stop working immediately/),
  ).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Reason (optional)' }).fill('Lost my phone');
  await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();

  await expectPage(
    page.getByRole('status').filter({ hasText: 'Revoked the access token of Calendar Sync' }),
  ).toBeVisible();
  await expectPage(accessToken.getByText('Revoked', { exact: true }).first()).toBeVisible();
  await accessToken.getByRole('button', { name: 'Details' }).click();
  await expectPage(accessToken.getByText('Lost my phone')).toBeVisible();
  expect(browserFailures(page)).toEqual([]);
  await page.close();
});

test('"Revoke Access" names what stops working, then the app is gone', async () => {
  const page = await signIn('alice@example.com');
  const app = page.getByRole('region', { name: 'Photo Printer' });
  await app.getByRole('button', { name: 'Revoke Access' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke access for Photo Printer?' });
  await expectPage(dialog.getByText(/Photo Printer will no longer be able to access your account/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Revoke Access' }).click();
  await expectPage(
    page.getByRole('status').filter({ hasText: 'Photo Printer can no longer access your account' }),
  ).toBeVisible();
  await expectPage(page.getByRole('region', { name: 'Photo Printer' })).toHaveCount(0);
  await page.close();
});

test('a non-admin never sees Manage Tokens, not even by its address', async () => {
  const page = await signIn('bob@example.com');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expectPage(nav.getByRole('link', { name: 'My Connected Apps' })).toBeVisible();
  await expectPage(nav.getByRole('link', { name: 'Manage Tokens' })).toHaveCount(0);
  await page.goto(`${session.consoleUrl}#/admin`);
  await page.getByRole('heading', { name: 'My Connected Apps' }).waitFor();
  await expectPage(page.getByRole('heading', { name: 'Manage Tokens' })).toHaveCount(0);
  await page.close();
});

test('an admin filters by user, previews a bulk revocation and confirms it', async () => {
  // A user of our own, so the counts are known: 3 active tokens over two apps, 1 already revoked.
  const now = nowSeconds();
  const notes = { clientId: 'notes-app', clientName: 'Notes', expiresAt: now + 3600 };
  const maps = { clientId: 'maps-app', clientName: 'Maps', expiresAt: now + 3600 };
  const { user: dana } = await personWithTokens(session, 'dana', [
    { ...notes, issuedAt: now - 60 },
    { ...notes, issuedAt: now - 50 },
    { ...maps, issuedAt: now - 40 },
    { ...maps, issuedAt: now - 30, revokedAt: now - 10 },
  ]);
  const page = await signIn('admin@example.com');
  await openManageTokens(page);
  const filters = page.getByRole('form', { name: 'Filter tokens' });
  // A user ID pasted in works as well as a person chosen by email.
  await filters.getByRole('combobox', { name: 'User', exact: true }).fill(dana.sub);
  await filters.getByRole('button', { name: 'Apply' }).click();
  const table = page.getByRole('table', { name: /Tokens \(page 1\)/ });
  await expectPage(table.getByRole('row')).toHaveCount(1 + 4);

  const bulk = page.getByRole('form', { name: 'Bulk revoke user' });
  await expectPage(bulk.getByRole('combobox', { name: 'User', exact: true })).toHaveValue(dana.sub);
  await bulk.getByRole('button', { name: 'Preview' }).click();
  await expectPage(page.getByText('3 tokens would be revoked')).toBeVisible();
  await expectPage(page.getByRole('list', { name: 'By client' })).toContainText('notes-app: 2 tokens');

  await page.getByRole('button', { name: 'Revoke 3 tokens' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke 3 tokens?' });
  await dialog.getByRole('button', { name: 'Revoke 3 tokens' }).click();
  await expectPage(page.getByText(`Revoked 3 tokens of user ${dana.sub}.`)).toBeVisible();

  await filters.getByRole('combobox', { name: 'Status' }).selectOption({ label: 'Active' });
  await filters.getByRole('button', { name: 'Apply' }).click();
  await expectPage(page.getByText('No tokens match these filters.')).toBeVisible();
  expect(browserFailures(page)).toEqual([]);
  await page.close();
});
