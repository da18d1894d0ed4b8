import test from 'ava';
import { FakeOpenAIUpstream, type RecordedRequest } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { launchBrowser, screenshot, seriousAccessibilityViolations, usePreferences, VARIANTS } from '../helpers/browser.js';
import { startGateway } from '../helpers/gateway.js';

// The chat playground in a real Chromium: streamed markdown that cannot inject HTML, reasoning, tool calls,
// images, a stop button that cancels the upstream call, and both ways of signing in.

const ADMIN = 'sk-admin-token-for-the-playground-01';
const REPLY = [
  '## Result',
  'Here is **bold** text, a [link](https://example.com) and a [bad link](javascript:alert(1)).',
  '<img src=x onerror="window.hacked=1"> <script>window.hacked=2</script>',
  '```js',
  'const answer = 42; // the answer',
  '```',
].join('\n');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

const lastUserText = (request: RecordedRequest) => {
  const messages = (request.body?.messages ?? []) as { role: string; content: unknown }[];
  return JSON.stringify(messages.at(-1)?.content ?? '');
};

test('the playground streams replies, renders them safely, stops a reply for real, and works with a key or the console session', async (t) => {
  const fake = await new FakeOpenAIUpstream().start();
  fake.script = (request) => {
    const text = lastUserText(request);
    if (text.includes('long story')) return { kind: 'reply', text: Array.from({ length: 200 }, (_, index) => `word${index}`).join(' '), chunkDelayMs: 150 };
    if (text.includes('weather')) return { kind: 'tool_calls', calls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] };
    return { kind: 'reply', text: REPLY, reasoning: 'Thinking it through first.' };
  };
  const gw = await startGateway({ AUTH_TOKEN: ADMIN, OPENAI_API_KEY: 'sk-upstream-for-playground-00001', OPENAI_BASE_URL: fake.url });
  t.teardown(async () => {
    await gw.close();
    await fake.stop();
  });
  const browser = await launchBrowser(gw.url);
  t.teardown(() => browser.close());
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const { key } = await adminApi(gw, ADMIN).createKey({ name: 'tester' });

  // Signed in with a client key, kept in memory only (not opted in to sessionStorage).
  await page.goto(`${gw.url}/chat`);
  await page.getByLabel('Client key').fill('sk-gw-not-a-real-key-0000000000000');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: /Incorrect API key/ }).waitFor();
  await page.getByLabel('Client key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const model = page.getByLabel('Model');
  await model.locator('option[value="gpt-4o"]').waitFor({ state: 'attached' });
  await model.selectOption('gpt-4o');

  // A streamed reply: markdown, highlighted code, folded reasoning, tokens and timings; no HTML from the text.
  await page.getByLabel('System prompt', { exact: true }).first().evaluate((element) => element.closest('details')?.setAttribute('open', ''));
  await page.getByRole('textbox', { name: 'System prompt' }).fill('Answer briefly.');
  await page.getByLabel('Message', { exact: true }).fill('Show me markdown');
  await page.getByRole('button', { name: 'Send' }).click();
  const reply = page.locator('article.assistant').last();
  await reply.getByText('12 → 7 tokens').waitFor();
  t.is(await reply.locator('h4').textContent(), 'Result');
  t.is(await reply.locator('strong').first().textContent(), 'bold');
  t.is(await reply.locator('a[href="https://example.com"]').count(), 1);
  t.is(await reply.locator('a[href^="javascript"]').count(), 0);
  t.is(await reply.locator('img, script').count(), 0);
  t.true(((await reply.textContent()) ?? '').includes('<img src=x onerror="window.hacked=1">'), 'the tag is shown as text');
  t.is(await page.evaluate('window.hacked'), undefined);
  t.is(await reply.locator('pre.code .tok-keyword').first().textContent(), 'const');
  t.is(await reply.locator('pre.code .tok-comment').textContent(), '// the answer');
  t.false(await reply.locator('details.reasoning').evaluate((element) => (element as unknown as { open: boolean }).open), 'reasoning is folded');
  t.regex((await reply.locator('details.reasoning').textContent()) ?? '', /Thinking it through first\./);
  t.regex((await reply.locator('.meta').textContent()) ?? '', /first token \d+ ms.*total \d+ ms/);
  const sent = fake.last.body!;
  t.like(sent, { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, temperature: 0.7 });
  t.deepEqual((sent.messages as unknown[])[0], { role: 'system', content: 'Answer briefly.' });

  // Tool calls are shown; an attached image is sent as a data URL.
  await page.getByLabel('Message', { exact: true }).fill('What is the weather?');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('.tool-call', { hasText: 'get_weather({"city":"Paris"})' }).waitFor();
  await page.locator('input[type=file]').setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: PNG });
  await page.getByRole('img', { name: 'Attached image 1' }).waitFor();
  await page.getByLabel('Message', { exact: true }).fill('Describe this image');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('article.assistant').nth(2).getByText('12 → 7 tokens').waitFor();
  t.regex(lastUserText(fake.last), /"type":"image_url","image_url":\{"url":"data:image\/png;base64,iVBOR/);

  // Stop cancels the upstream call: the fake sees its connection closed.
  await page.getByLabel('Message', { exact: true }).fill('Tell me a long story');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('article.assistant').last().getByText(/word3/).waitFor();
  await page.getByRole('button', { name: 'Stop' }).click();
  await fake.waitForAbort();
  await page.locator('article.assistant').last().locator('.badge', { hasText: 'stopped' }).waitFor();
  t.is(fake.aborted.length, 1);

  // Conversations stay in this browser, without the key; the key itself is in no storage.
  const stored = (await page.evaluate('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })')) as string;
  t.true(stored.includes('Describe this image'));
  t.false(stored.includes(key));
  await page.reload();
  await page.getByLabel('Client key').waitFor();

  // Signed in to the console, the playground uses its session (with its CSRF token) instead of a key.
  await page.goto(`${gw.url}/admin`);
  await page.getByLabel('Admin token').fill(ADMIN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await page.goto(`${gw.url}/chat`);
  await page.getByText('Signed in with the console session').waitFor();
  await page.getByRole('button', { name: '+ New chat' }).click();
  await page.getByLabel('Message', { exact: true }).fill('Hello via the session');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('article.assistant').last().getByText('12 → 7 tokens').waitFor();
  t.is(fake.last.headers.authorization, 'Bearer sk-upstream-for-playground-00001');

  // 中文, dark, phone width: screenshots of each, and no serious accessibility violation.
  for (const variant of VARIANTS) {
    await page.setViewportSize(variant.size);
    await usePreferences(page, variant);
    if (variant.width === 'desktop') {
      await page.locator('.conversation').last().click();
      await page.locator('article.assistant').first().waitFor();
      t.deepEqual(await seriousAccessibilityViolations(page), [], `${variant.theme} ${variant.lang}`);
    }
    await screenshot(page, `chat-${variant.width}-${variant.lang}-${variant.theme}`);
  }
  await page.getByRole('button', { name: /Chats|对话/ }).click();
  await screenshot(page, 'chat-phone-en-dark-conversations');
  t.deepEqual(pageErrors, []);
  t.deepEqual(browser.policyViolations, [], 'the strict Content-Security-Policy refuses nothing the page needs');
  t.false(gw.rawLogs.some((line) => line.includes(key)));
});
