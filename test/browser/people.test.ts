/**
 * Finding people in Manage Tokens: the person combobox, emails wherever a user is named, and
 * the whole way from "bob" to his revoked tokens by keyboard alone.
 */
import type { Page } from 'playwright-core';
import { expect as expectPage } from './expect-page';
import {
  browserFailures,
  openManageTokens,
  PHONE,
  personWithTokens,
  SCREENSHOTS,
  signIn,
  tabTo,
  withConsole,
} from './session';

const session = withConsole();

const bulkForm = (page: Page) => page.getByRole('form', { name: 'Bulk revoke user' });

test("by keyboard alone, an admin finds bob by 'bob', previews and revokes his tokens, seeing his email", async () => {
  const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(session.consoleUrl);
  const form = page.getByRole('form', { name: 'Sign in' });
  await tabTo(page, form.getByRole('textbox', { name: 'Email' }));
  await page.keyboard.type('admin@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Demo-Passw0rd!');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'My Connected Apps' }).waitFor();

  await tabTo(page, page.getByRole('link', { name: 'Manage Tokens' }));
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Manage Tokens', level: 1 }).waitFor();

  const user = bulkForm(page).getByRole('combobox', { name: 'User', exact: true });
  await tabTo(page, user);
  await page.keyboard.type('bob');
  const option = page.getByRole('option', { name: /bob@example\.com/ });
  await expectPage(option).toBeVisible();
  await expectPage(page.getByRole('status').filter({ hasText: '1 person found' })).toBeVisible();
  expect(await user.getAttribute('aria-expanded')).toBe('true');
  await page.keyboard.press('ArrowDown');
  expect(await user.getAttribute('aria-activedescendant')).toBe(await option.getAttribute('id'));
  expect(await option.getAttribute('aria-selected')).toBe('true');
  await page.keyboard.press('Enter');
  await expectPage(user).toHaveValue('bob@example.com');
  expect(await user.getAttribute('aria-expanded')).toBe('false');

  await tabTo(page, bulkForm(page).getByRole('button', { name: 'Preview' }));
  await page.keyboard.press('Enter');
  await expectPage(page.getByText('1 token would be revoked')).toBeVisible();
  await expectPage(page.getByText(/^Tokens of bob@example\.com \(user [0-9a-f-]+\)$/)).toBeVisible();
  if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/manage-tokens.png`, fullPage: true });

  await tabTo(page, page.getByRole('button', { name: 'Revoke 1 token' }));
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Revoke 1 token?' });
  await expectPage(
    dialog.getByText(/Every active token of bob@example\.com \(user [0-9a-f-]+\) will stop working/),
  ).toBeVisible();
  await tabTo(page, dialog.getByRole('button', { name: 'Revoke 1 token' }));
  await page.keyboard.press('Enter');
  await expectPage(page.getByText(/^Revoked 1 token of bob@example\.com \(user [0-9a-f-]+\)\.$/)).toBeVisible();
  await expectPage(dialog).toHaveCount(0);

  // His token, in the table and its details, is named by his email too, and now revoked.
  const filters = page.getByRole('form', { name: 'Filter tokens' });
  await tabTo(page, filters.getByRole('combobox', { name: 'User', exact: true }));
  await page.keyboard.type('bob@');
  await expectPage(page.getByRole('option', { name: /bob@example\.com/ })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await tabTo(page, filters.getByRole('button', { name: 'Apply' }));
  await page.keyboard.press('Enter');
  const table = page.getByRole('table', { name: /Tokens \(page 1\)/ });
  await expectPage(table.getByRole('row')).toHaveCount(2);
  await expectPage(table.getByText('bob@example.com')).toBeVisible();
  await expectPage(table.getByText('Revoked', { exact: false })).toBeVisible();
  expect(browserFailures(page)).toEqual([]);
  await page.close();
});

test('the details panel and the revoke dialog name the owner by email, with the user ID to copy', async () => {
  const { user: gina } = await personWithTokens(session, 'gina', [{ clientId: 'notes-app', clientName: 'Notes' }]);
  const page = await signIn(session, 'admin@example.com');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: session.consoleUrl });
  await openManageTokens(page);
  const filters = page.getByRole('form', { name: 'Filter tokens' });
  await filters.getByRole('combobox', { name: 'User', exact: true }).fill(gina.username);
  await filters.getByRole('button', { name: 'Apply' }).click();
  await expectPage(page.getByText(`Showing the tokens of ${gina.username}`)).toBeVisible();
  // The heading changes with the filter; the rows of the list before it may still be showing.
  const detailsButtons = page.getByRole('button', { name: /^Details/ });
  await expectPage(detailsButtons).toHaveCount(1);
  await detailsButtons.click();
  const details = page.getByRole('region', { name: 'Token details' });
  await expectPage(details.getByText(gina.username)).toBeVisible();
  await expectPage(details.getByText(gina.sub, { exact: true })).toBeVisible();
  await details.getByRole('button', { name: 'Copy user ID' }).click();
  await expectPage(page.getByRole('status').filter({ hasText: `Copied ${gina.sub}.` })).toBeVisible();
  expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(gina.sub);

  await details.getByRole('button', { name: 'Revoke', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke this token?' });
  await expectPage(dialog.getByText(`of Notes issued to ${gina.username} (user ${gina.sub})`)).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await page.close();
});

test('an email that matches nobody says so, and never previews zero tokens', async () => {
  const page = await signIn(session, 'admin@example.com', PHONE);
  await openManageTokens(page);
  const user = bulkForm(page).getByRole('combobox', { name: 'User', exact: true });
  await user.fill('nobody@example.com');
  const noOne = bulkForm(page).getByText("No one's email starts with “nobody@example.com”.");
  await expectPage(noOne.first()).toBeVisible();
  await bulkForm(page).getByRole('button', { name: 'Preview' }).click();
  await expectPage(
    bulkForm(page)
      .getByRole('alert')
      .filter({ hasText: 'No one in the user pool has the email “nobody@example.com”.' }),
  ).toBeVisible();
  expect(await user.getAttribute('aria-invalid')).toBe('true');
  await expectPage(page.getByText(/would be revoked/)).toHaveCount(0);

  // The start of several people's emails is not a person either.
  await user.fill('a');
  await bulkForm(page).getByRole('button', { name: 'Preview' }).click();
  await expectPage(
    bulkForm(page).getByRole('alert').filter({ hasText: 'Choose one from the suggestions' }),
  ).toBeVisible();
  await expectPage(page.getByText(/would be revoked/)).toHaveCount(0);
  await page.close();
});

test('a person chosen in the filter fills the bulk form, and "Clear filters" clears both', async () => {
  const page = await signIn(session, 'admin@example.com');
  await openManageTokens(page);
  const filters = page.getByRole('form', { name: 'Filter tokens' });
  const filterUser = filters.getByRole('combobox', { name: 'User', exact: true });
  await filterUser.fill('alice');
  await page.getByRole('option', { name: /alice@example\.com/ }).click();
  await expectPage(filterUser).toHaveValue('alice@example.com');
  await filters.getByRole('button', { name: 'Apply' }).click();
  const bulkUser = bulkForm(page).getByRole('combobox', { name: 'User', exact: true });
  await expectPage(bulkUser).toHaveValue('alice@example.com');
  for (const cell of await page
    .getByRole('table')
    .getByRole('row')
    .filter({ hasNot: page.getByRole('columnheader') })
    .all()) {
    await expectPage(cell.getByText('alice@example.com')).toBeVisible();
  }
  await filters.getByRole('button', { name: 'Clear filters' }).click();
  await expectPage(filterUser).toHaveValue('');
  await expectPage(bulkUser).toHaveValue('');
  await page.close();
});
