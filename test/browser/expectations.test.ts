/**
 * What a person expects of the console, each small: times with their zone, scopes in words,
 * revoked tokens out of the way, an app that leaves a trace, no empty "Next", a stale tab told
 * the truth, a too-long reason refused rather than cut, "Clear filters" that clears.
 */
import { DEFAULT_PAGE_SIZE, MAX_REASON_LENGTH } from '../../lambdas/domain/limits';
import { call, createUser } from '../support/local-stack';
import { expect as expectPage } from './expect-page';
import { nowSeconds, openManageTokens, personWithTokens, signIn, withConsole } from './session';

const SCOPE_DESCRIPTIONS = { 'photos.read': 'See your photos', 'photos.write': 'Add and change your photos' };
const session = withConsole({ SCOPE_DESCRIPTIONS: JSON.stringify(SCOPE_DESCRIPTIONS) });

const HOUR = 3600;
const DAY = 24 * HOUR;

test('times name their time zone, and expiry reads "in N days" with the exact time beside it', async () => {
  const now = nowSeconds();
  const { user } = await personWithTokens(session, 'hana', [
    { clientId: 'diary', clientName: 'Diary', issuedAt: now - HOUR, expiresAt: now + 3 * DAY + HOUR },
  ]);
  const page = await signIn(session, user.username, undefined, user.password);
  const app = page.getByRole('region', { name: 'Diary' });
  await expectPage(app.getByText(/expires in 3 days \(\w{3} \d+, \d{4}, \d+:\d{2} [AP]M UTC\)/)).toBeVisible();
  await app.getByRole('button', { name: 'Tokens', exact: true }).click();
  await app.getByRole('button', { name: 'Details' }).click();
  const issued = app.locator('dt:text-is("Issued") + dd');
  await expectPage(issued).toContainText('UTC');
  await page.close();
});

test('scopes the deployment describes read in words, with the raw scope beside; others as they are', async () => {
  const page = await signIn(session, 'alice@example.com');
  const printer = page.getByRole('region', { name: 'Photo Printer' });
  const scopes = printer.getByRole('list', { name: 'Scopes' }).first();
  await expectPage(scopes.getByRole('listitem').filter({ hasText: 'See your photos' })).toContainText('photos.read');
  await expectPage(scopes.getByRole('listitem').filter({ hasText: 'Add and change your photos' })).toContainText(
    'photos.write',
  );
  const calendar = page.getByRole('region', { name: 'Calendar Sync' });
  await expectPage(calendar.getByRole('listitem').filter({ hasText: /^calendar\.read$/ })).toHaveCount(1);
  await page.close();
});

test("a person's token list can hide revoked tokens", async () => {
  const now = nowSeconds();
  const notes = { clientId: 'notes-app', clientName: 'Notes' };
  const { user } = await personWithTokens(session, 'ivan', [
    { ...notes, issuedAt: now - 100 },
    { ...notes, issuedAt: now - 50, revokedAt: now - 10 },
  ]);
  const page = await signIn(session, user.username, undefined, user.password);
  const app = page.getByRole('region', { name: 'Notes' });
  await app.getByRole('button', { name: 'Tokens', exact: true }).click();
  const tokens = app.getByRole('list', { name: 'Tokens' }).getByRole('article');
  await expectPage(tokens).toHaveCount(2);
  await app.getByRole('checkbox', { name: 'Hide revoked tokens' }).check();
  await expectPage(tokens).toHaveCount(1);
  await expectPage(tokens.getByText('Active', { exact: true })).toBeVisible();
  await app.getByRole('checkbox', { name: 'Hide revoked tokens' }).uncheck();
  await expectPage(tokens).toHaveCount(2);
  await page.close();
});

test('an app whose last token is revoked leaves an "access revoked" notice where it was', async () => {
  const { user } = await personWithTokens(session, 'jun', [{ clientId: 'weather', clientName: 'Weather' }]);
  const page = await signIn(session, user.username, undefined, user.password);
  const app = page.getByRole('region', { name: 'Weather' });
  await app.getByRole('button', { name: 'Tokens', exact: true }).click();
  await app.getByRole('button', { name: 'Revoke', exact: true }).click();
  await page.getByRole('dialog', { name: 'Revoke this token?' }).getByRole('button', { name: 'Revoke' }).click();
  await expectPage(page.getByText(/^Weather weather: access revoked\./)).toBeVisible();
  await expectPage(page.getByRole('region', { name: 'Weather' })).toHaveCount(0);
  await page.close();
});

test('"Next" is offered only when the next page has tokens', async () => {
  const admin = await createUser(session.stack.outputs, 'kai-admin', { admin: true });
  const now = nowSeconds();
  const { user } = await personWithTokens(
    session,
    'kai',
    Array.from({ length: DEFAULT_PAGE_SIZE }, (_, i) => ({ issuedAt: now - 100 + i })),
  );
  // Exactly a page of tokens: the API's cursor promises more, and the next page is empty.
  const first = await call(session.stack.outputs, 'GET', `admin/tokens?userId=${user.sub}`, { token: admin.idToken });
  expect(first.body.items).toHaveLength(DEFAULT_PAGE_SIZE);
  expect(first.body.nextCursor).toEqual(expect.any(String));
  const next = await call(
    session.stack.outputs,
    'GET',
    `admin/tokens?userId=${user.sub}&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    { token: admin.idToken },
  );
  expect(next.body.items).toEqual([]);

  const page = await signIn(session, 'admin@example.com');
  await openManageTokens(page);
  const filters = page.getByRole('form', { name: 'Filter tokens' });
  await filters.getByRole('combobox', { name: 'User', exact: true }).fill(user.username);
  await filters.getByRole('button', { name: 'Apply' }).click();
  await expectPage(page.getByRole('table').getByRole('row')).toHaveCount(1 + DEFAULT_PAGE_SIZE);
  await expectPage(page.getByRole('navigation', { name: 'Pages' })).toHaveCount(0);
  await page.close();
});

test('revoking in a stale tab says the token was already revoked', async () => {
  const { user } = await personWithTokens(session, 'lea', [{ clientId: 'music', clientName: 'Music' }]);
  const tabs = [
    await signIn(session, user.username, undefined, user.password),
    await signIn(session, user.username, undefined, user.password),
  ];
  for (const tab of tabs) {
    await tab.getByRole('region', { name: 'Music' }).getByRole('button', { name: 'Tokens', exact: true }).click();
  }
  for (const [i, tab] of tabs.entries()) {
    await tab.getByRole('region', { name: 'Music' }).getByRole('button', { name: 'Revoke', exact: true }).click();
    await tab.getByRole('dialog', { name: 'Revoke this token?' }).getByRole('button', { name: 'Revoke' }).click();
    const said = i === 0 ? 'Revoked the access token of Music' : 'This access token of Music was already revoked';
    await expectPage(tab.getByRole('status').filter({ hasText: said })).toBeVisible();
  }
  for (const tab of tabs) await tab.close();
});

test('a reason longer than the limit is refused with a message, not cut', async () => {
  const maps = { clientId: 'maps', clientName: 'Maps' };
  const { user } = await personWithTokens(session, 'max', [maps, { ...maps, issuedAt: nowSeconds() - 600 }]);
  const page = await signIn(session, user.username, undefined, user.password);
  const app = page.getByRole('region', { name: 'Maps' });
  await app.getByRole('button', { name: 'Tokens', exact: true }).click();
  const newest = app.getByRole('list', { name: 'Tokens' }).getByRole('article').first();
  await newest.getByRole('button', { name: 'Revoke', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke this token?' });
  const reason = dialog.getByRole('textbox', { name: 'Reason (optional)' });
  await reason.fill('x'.repeat(MAX_REASON_LENGTH + 1));
  await expectPage(reason).toHaveValue('x'.repeat(MAX_REASON_LENGTH + 1)); // nothing cut
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await expectPage(
    dialog
      .getByRole('alert')
      .filter({ hasText: `${MAX_REASON_LENGTH + 1} characters long; at most ${MAX_REASON_LENGTH}` }),
  ).toBeVisible();
  expect(await reason.getAttribute('aria-invalid')).toBe('true');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expectPage(newest.getByText('Active', { exact: true })).toBeVisible();

  // Exactly the limit is fine, and kept whole.
  await newest.getByRole('button', { name: 'Revoke', exact: true }).click();
  await reason.fill('y'.repeat(MAX_REASON_LENGTH));
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await expectPage(page.getByRole('status').filter({ hasText: 'Revoked the access token of Maps' })).toBeVisible();
  await newest.getByRole('button', { name: 'Details' }).click();
  await expectPage(newest.getByText('y'.repeat(MAX_REASON_LENGTH), { exact: true })).toBeVisible();
  await page.close();
});
