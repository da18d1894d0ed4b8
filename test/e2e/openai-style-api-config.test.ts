import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import OpenAI from 'openai';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { startGateway } from '../helpers/gateway.js';

// openai-style-api's model-config.json, the README's own example (test/fixtures/openai-style-api/SOURCE.md).
const README_EXAMPLE = new URL('../../../test/fixtures/openai-style-api/readme-example.json', import.meta.url);

test('the README’s model-config.json starts the gateway unchanged; its two web-scraping entries are named in warnings', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-osa-'));
  const file = join(dir, 'model-config.json');
  copyFileSync(README_EXAMPLE, file);
  const gw = await startGateway({ CONFIG_FILE: file });
  t.teardown(() => gw.close());
  const warnings = gw.logs.filter((line) => line.level === 'warn' && String(line.msg).startsWith('config file:')).map((line) => String(line.msg));
  t.is(warnings.length, 2);
  t.regex(warnings[0]!, /\[3\]\.type: openai-style-api type "claude-web" has no provider/);
  t.regex(warnings[1]!, /\[9\]\.type: openai-style-api type "bing-sydney" has no provider/);
  // The token of a left-out entry is refused like any unknown token (no upstream is called for it).
  await t.throwsAsync(gw.client('c115c8f5082').chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }), {
    instanceOf: OpenAI.AuthenticationError,
  });
});

test('with its api_base pointed at a local server, the README’s openai token calls its model whatever the client names', async (t) => {
  const fake = await new FakeOpenAIUpstream().start();
  t.teardown(() => fake.stop());
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-osa-'));
  const file = join(dir, 'model-config.json');
  writeFileSync(file, readFileSync(README_EXAMPLE, 'utf8').replace('https://api.openai.com/v1/', `${fake.url}/`));
  const gw = await startGateway({ CONFIG_FILE: file });
  t.teardown(() => gw.close());
  const reply = await gw.client('GxqT3BlbkFJj').chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] });
  t.is(reply.choices[0]!.message.content, 'You said: hi');
  t.is(fake.last.body?.model, 'gpt-3.5-turbo', 'the entry’s model, as openai-style-api sends it');
  t.is(fake.last.headers.authorization, 'Bearer sk-xxxxxx');
});
