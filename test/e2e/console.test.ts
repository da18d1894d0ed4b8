import test from 'ava';
import type { Page } from 'playwright-core';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { clipboardText, launchBrowser, screenshot, seriousAccessibilityViolations, usePreferences, VARIANTS } from '../helpers/browser.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { startGateway } from '../helpers/gateway.js';
import { keyId } from '../../src/keys/key-identity.js';

// The admin console in a real Chromium against the real gateway: one browser, one page, every job an operator does.

const ADMIN = 'sk-admin-token-for-the-console-0001';
const KEY_A = 'sk-a-configured-upstream-key-000001';
const NEW_KEYS = ['sk-new-upstream-key-good-00000001', 'sk-new-upstream-key-good-00000002', 'sk-new-upstream-key-bad-000000003'];

const configText = (a: FakeOpenAIUpstream, b: FakeOpenAIUpstream) => `upstreams:
  a:
    type: openai-compatible
    base_url: ${a.url}
    api_keys: [${KEY_A}]
  b:
    type: openai-compatible
    base_url: ${b.url}
    api_keys: [sk-b-configured-upstream-key-00002]
routes:
  gpt-4o:
    targets: [{ upstream: a }]
`;

const PAGES = ['dashboard', 'upstream-keys', 'client-keys', 'logs', 'config'];

async function open(page: Page, url: string, path: string): Promise<void> {
  await page.goto(`${url}/admin#/${path}`);
  await page.locator('main h1').first().waitFor();
}

test('an operator signs in, manages keys, follows a call into the logs and the dashboard, and edits the routing', async (t) => {
  const [a, b] = await Promise.all([new FakeOpenAIUpstream().start(), new FakeOpenAIUpstream().start()]);
  a.acceptedKeys = new Set([KEY_A, NEW_KEYS[0]!, NEW_KEYS[1]!]);
  const gw = await startGateway({ CONFIG_FILE: writeConfigFile(configText(a, b)), AUTH_TOKEN: ADMIN, AUTH_MAX_FAILURES: '50' });
  t.teardown(async () => {
    await gw.close();
    await Promise.all([a.stop(), b.stop()]);
  });
  const browser = await launchBrowser(gw.url);
  t.teardown(() => browser.close());
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const served = async () =>
    (await gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).withResponse()).response.headers.get('x-gateway-upstream');

  // Sign-in: a wrong token is refused with the API's message, the admin token opens the console.
  await page.goto(`${gw.url}/admin`);
  await screenshot(page, 'console-signin-desktop-en-light');
  await page.getByLabel('Admin token').fill('sk-wrong-admin-token-000000000000');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: /invalid|incorrect/i }).waitFor();
  t.true(await page.getByLabel('Admin token').isVisible());
  await page.getByLabel('Admin token').fill(ADMIN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  const cookies = await browser.context.cookies(gw.url);
  t.like(cookies.find((cookie) => cookie.name === 'gw_console'), { httpOnly: true, sameSite: 'Strict' });
  t.false(JSON.stringify(await page.evaluate(() => JSON.stringify({ ...(globalThis as unknown as { localStorage: object }).localStorage }))).includes(ADMIN));

  // Upstream keys: three added in bulk (one repeated in the paste), verified (the fake takes two), the bad one reset.
  await open(page, gw.url, 'upstream-keys');
  await page.getByLabel('Provider').selectOption('a');
  await page.getByLabel('Keys, one per line or separated by commas').fill(`${NEW_KEYS.join('\n')}\n${NEW_KEYS[0]}`);
  await page.getByRole('button', { name: 'Add keys' }).click();
  await page.getByText('Added 3 keys; 0 were already in the pool, 1 repeated in the list.').waitFor();
  const row = (key: string) => page.locator(`tr[data-key-id="${keyId(key)}"]`);
  for (const key of NEW_KEYS) await row(key).waitFor();
  await page.getByRole('button', { name: 'Verify all' }).click();
  await page.getByText('Verified 4 keys: 3 work.').waitFor();
  await row(NEW_KEYS[2]!).getByText('invalid').waitFor();
  for (const key of [KEY_A, NEW_KEYS[0]!, NEW_KEYS[1]!]) t.is(await row(key).locator('.badge').textContent(), 'valid');
  t.regex((await row(NEW_KEYS[2]!).locator('td.error-text').textContent()) ?? '', /401/);
  await row(NEW_KEYS[2]!).getByRole('button', { name: 'Reset' }).click();
  await row(NEW_KEYS[2]!).locator('.badge', { hasText: 'valid' }).waitFor();
  await row(NEW_KEYS[2]!).locator('td.num').first().filter({ hasText: /^0$/ }).waitFor();
  await page.getByRole('button', { name: 'Copy invalid' }).click();
  await page.getByText('Copied 0 keys.').waitFor();
  await page.getByRole('button', { name: 'Copy valid' }).click();
  await page.getByText('Copied 4 keys.').waitFor();
  t.deepEqual((await clipboardText(page)).split('\n').sort(), [KEY_A, ...NEW_KEYS].sort());
  await page.getByRole('searchbox', { name: 'Search' }).fill('bad');
  t.is(await page.locator('tbody tr[data-key-id]').count(), 0, 'the search matches ids, masked keys and errors, and a secret is not shown');
  await page.getByRole('searchbox', { name: 'Search' }).fill('');

  // Client keys: created with limits and a dollar budget, its secret shown once and copied, then used by the SDK.
  await open(page, gw.url, 'client-keys');
  await page.getByRole('button', { name: '+ New client key' }).click();
  const form = page.locator('#client-key-form');
  await form.getByLabel('Name', { exact: true }).fill('alice');
  await form.getByLabel(/Allowed models/).fill('gpt-4o, gpt-4o-mini');
  await form.getByLabel('Default model').fill('gpt-4o');
  await form.getByLabel('Requests per minute').fill('60');
  await form.getByLabel('USD per month').fill('12.5');
  await page.getByRole('button', { name: 'Create' }).click();
  const secret = (await page.getByTestId('new-secret').textContent()) ?? '';
  t.regex(secret, /^sk-gw-/);
  await page.getByRole('button', { name: 'Copy', exact: true }).click();
  t.is(await clipboardText(page), secret);
  await page.getByRole('button', { name: 'Done' }).click();
  t.is(await page.getByTestId('new-secret').count(), 0, 'the secret is not shown again');
  const aliceRow = page.locator('tr[data-client-key="alice"]');
  t.regex((await aliceRow.textContent()) ?? '', /rpm 60.*usd_per_month \$12\.50/);
  const answer = await gw.client(secret).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello from alice' }] });
  t.truthy(answer.choices[0]?.message.content);

  // The call in the request log, with its details; and on the dashboard.
  await open(page, gw.url, 'logs');
  const logRow = page.locator('tbody tr.clickable', { hasText: 'alice' });
  await t.notThrowsAsync(async () => {
    for (let tries = 0; tries < 20 && (await logRow.count()) === 0; tries++) {
      await page.waitForTimeout(300);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
  });
  await logRow.first().click();
  const detail = page.getByRole('dialog', { name: 'Call details' });
  await detail.waitFor();
  t.regex((await detail.textContent()) ?? '', /Modelgpt-4o.*Upstreama.*Status200/s);
  t.false(((await detail.textContent()) ?? '').includes('hello from alice'), 'no prompt text without body logging');
  await screenshot(page, 'console-log-detail-desktop-en-light');
  await detail.getByRole('button', { name: 'Close' }).click();
  await page.getByLabel('Client key id').fill('ck_nobody');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.getByText('Nothing logged in this range.').waitFor();

  await open(page, gw.url, 'dashboard');
  const calls = page.locator('.stat', { hasText: 'Calls' }).locator('.value');
  // Statistics are written once a second and the timeline is cached for 3; the dashboard polls every 5.
  for (let tries = 0; tries < 60 && !(Number(await calls.textContent()) >= 1); tries++) await page.waitForTimeout(250);
  t.true(Number(await calls.textContent()) >= 1, `calls: ${await calls.textContent()} ${await page.locator(".stat").allTextContents()}`);
  await page.getByLabel('Split').selectOption('by_client_key');
  await page.locator('.legend-chip', { hasText: 'alice' }).first().waitFor();

  // Disabled, the key is refused by the API.
  await open(page, gw.url, 'client-keys');
  await aliceRow.getByRole('button', { name: 'Disable' }).click();
  await aliceRow.locator('.badge', { hasText: 'disabled' }).waitFor();
  const refused = await gw.client(secret).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((error: { status?: number; code?: string }) => error);
  t.like(refused, { status: 401, code: 'api_key_disabled' });

  // Config: gpt-4o moved to upstream b in the editor, reviewed as a diff, saved; the API routes by it.
  t.is(await served(), 'a');
  await open(page, gw.url, 'config');
  const editor = page.getByLabel('Routing config (JSON)');
  await page.locator('.badge', { hasText: 'Valid' }).waitFor();
  const original = await editor.inputValue();
  await editor.fill(original.replace('"upstream": "a"', '"upstream": "nowhere"'));
  await page.getByText(/line \d+/).first().waitFor();
  const problem = (await page.locator('[role=alert] li').first().textContent()) ?? '';
  const line = Number(/line (\d+)/.exec(problem)?.[1]);
  t.regex((await editor.inputValue()).split('\n')[line - 1] ?? '', /nowhere/, 'the problem is listed at its line');
  await editor.fill(original.replace('"upstream": "a"', '"upstream": "b"'));
  await page.locator('.badge', { hasText: 'Valid' }).waitFor();
  await page.getByRole('button', { name: 'Review and save' }).click();
  const review = page.getByRole('dialog', { name: 'Review the change' });
  t.regex((await review.locator('.diff .del').textContent()) ?? '', /"upstream": "a"/);
  t.regex((await review.locator('.diff .add').textContent()) ?? '', /"upstream": "b"/);
  await screenshot(page, 'console-config-diff-desktop-en-light');
  await review.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved as revision 1; the gateway routes by it now.').waitFor();
  t.is(await served(), 'b');

  // A stale save: the config changed elsewhere after the page loaded it.
  const admin = adminApi(gw, ADMIN);
  const latest = await admin.get<{ document: { routes: Record<string, { targets: { upstream: string; weight?: number }[] }> } }>('/admin/api/config');
  latest.body.document.routes['gpt-4o']!.targets[0]!.weight = 2;
  t.is((await admin.call('PUT', '/admin/api/config', latest.body.document)).status, 428);
  const elsewhere = await fetch(`${gw.url}/admin/api/config`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', 'if-match': '"1"' },
    body: JSON.stringify(latest.body.document),
  });
  t.is(elsewhere.status, 200);
  await editor.fill((await editor.inputValue()).replace('"upstream": "b"', '"upstream": "a"'));
  await page.locator('.badge', { hasText: 'Valid' }).waitFor();
  await page.getByRole('button', { name: 'Review and save' }).click();
  await page.getByRole('dialog', { name: 'Review the change' }).getByRole('button', { name: 'Save' }).click();
  await page.getByText(/Not saved: someone changed the config since you loaded it/).waitFor();
  t.is(await served(), 'b', 'the stale edit was not applied');
  // History and rollback to revision 1 (b without a weight).
  await page.getByRole('button', { name: 'Reload latest' }).click();
  const first = page.locator('tr[data-revision="1"]');
  await first.getByRole('button', { name: 'Compare' }).click();
  const compared = page.getByRole('dialog', { name: 'Revision 1 compared with the current one' });
  await compared.locator('.diff').waitFor();
  t.regex((await compared.locator('.diff .del').allTextContents()).join('\n'), /"weight": 2/);
  await compared.getByRole('button', { name: 'Close' }).click();
  page.once('dialog', (dialog) => void dialog.accept());
  await first.getByRole('button', { name: 'Roll back' }).click();
  await page.getByText('Rolled back to revision 1.').waitFor();
  await page.locator('tr[data-revision="3"]', { hasText: 'rollback' }).waitFor();
  t.like((await admin.get('/admin/api/config')).body, { revision: 3, source: 'rollback' });

  // 中文 and back, remembered across a reload.
  await page.getByRole('button', { name: 'Switch language' }).click();
  await page.getByRole('link', { name: '仪表盘' }).waitFor();
  await page.reload();
  await page.getByRole('link', { name: '仪表盘' }).waitFor();
  await page.getByRole('button', { name: '切换语言' }).click();
  await page.getByRole('link', { name: 'Dashboard' }).waitFor();

  // Every page: no serious accessibility violation, and screenshots at desktop and phone width, in both languages
  // and both themes.
  for (const variant of VARIANTS) {
    await page.setViewportSize(variant.size);
    await usePreferences(page, variant);
    for (const path of PAGES) {
      await open(page, gw.url, path);
      await page.waitForLoadState('networkidle');
      if (variant.width === 'desktop') t.deepEqual(await seriousAccessibilityViolations(page), [], `${path} ${variant.theme} ${variant.lang}`);
      // On a phone the keys and the logs are cards: nothing on the page scrolls sideways.
      if (variant.width === 'phone' && ['upstream-keys', 'client-keys', 'logs'].includes(path)) {
        const overflowing = await page.evaluate("[document.documentElement, ...document.querySelectorAll('.table-wrap')].filter((element) => element.scrollWidth > element.clientWidth + 1).length");
        t.is(overflowing, 0, `${path} on a phone, ${variant.lang} ${variant.theme}`);
      }
      await screenshot(page, `console-${path}-${variant.width}-${variant.lang}-${variant.theme}`);
    }
  }
  await page.getByRole('button', { name: /Sign out|退出登录/ }).click();
  t.is((await fetch(`${gw.url}/admin/api/stats`, { headers: { cookie: cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ') } })).status, 401);
  t.deepEqual(pageErrors, []);
  t.deepEqual(browser.policyViolations, [], 'the strict Content-Security-Policy refuses nothing the page needs');
  t.false(gw.rawLogs.some((line) => line.includes(ADMIN) || line.includes(secret)));
});
