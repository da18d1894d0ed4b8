import { writeFileSync } from 'node:fs';
import test from 'ava';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { startGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

// The config file edited while the gateway serves: applied without a restart, calls in flight untouched, a broken
// edit refused with the old config still serving.

const upstream = (name: string, fake: FakeOpenAIUpstream) =>
  `  ${name}:\n    type: openai-compatible\n    base_url: ${fake.url}\n    api_keys: [sk-${name}-key-0000000000000000]\n`;

test('the file is rewritten under steady load: every edit is applied, and no call fails or is cut', async (t) => {
  const [a, b, c] = await Promise.all([new FakeOpenAIUpstream().start(), new FakeOpenAIUpstream().start(), new FakeOpenAIUpstream().start()]);
  // Streams from `a` take a while: some are always in flight when an edit lands.
  a.script = (request) => (request.body?.stream === true ? { kind: 'reply', text: 'one two three four five six', chunkDelayMs: 40 } : undefined);
  const file = writeConfigFile(`upstreams:\n${upstream('a', a)}${upstream('b', b)}routes:\n  gpt-4o:\n    targets: [{ upstream: a }]\n`);
  const gw = await startGateway({ CONFIG_FILE: file, CONFIG_WATCH_SECONDS: '0.05' });
  t.teardown(async () => {
    await gw.close();
    await Promise.all([a.stop(), b.stop(), c.stop()]);
  });

  const failures: string[] = [];
  let completed = 0;
  let streamed = 0;
  let streamsInFlight = 0;
  let running = true;
  const client = gw.client();
  const worker = async (index: number) => {
    while (running) {
      try {
        if (index % 2 === 0) {
          streamsInFlight += 1;
          try {
            const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'tell me' }], stream: true });
            let text = '';
            for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
            if (text === '') failures.push('an empty stream');
            streamed += 1;
          } finally {
            streamsInFlight -= 1;
          }
        } else {
          const answer = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
          if (!answer.choices[0]?.message.content) failures.push('an empty answer');
        }
        completed += 1;
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  const workers = Array.from({ length: 6 }, (_, index) => worker(index));

  await waitFor(() => completed >= 20 && a.requests.length > 0 && streamsInFlight > 0, 'calls served by a, streams in flight');
  // A new upstream and a new target: b serves from now on.
  writeFileSync(file, `upstreams:\n${upstream('a', a)}${upstream('b', b)}${upstream('c', c)}routes:\n  gpt-4o:\n    targets: [{ upstream: b }]\n`);
  await waitFor(() => b.requests.length >= 10, 'calls served by b after the first edit');
  const beforeBroken = b.requests.length;
  // A broken edit: refused, logged with its path and line; b goes on serving.
  writeFileSync(file, `upstreams:\n${upstream('a', a)}routes:\n  gpt-4o:\n    targets: [{ upstream: b, weight: -1 }]\n`);
  await waitFor(() => gw.logs.some((line) => String(line.msg).startsWith('config file change refused')), 'the broken edit refused');
  await waitFor(() => b.requests.length >= beforeBroken + 10, 'b serving after the broken edit');
  // Round-robin over b and c.
  writeFileSync(file, `upstreams:\n${upstream('b', b)}${upstream('c', c)}routes:\n  gpt-4o:\n    targets: [{ upstream: b }, { upstream: c }]\n`);
  await waitFor(() => c.requests.length >= 10 && streamed > 5, 'calls served by c after the last edit, streams completed');
  running = false;
  await Promise.all(workers);

  t.deepEqual(failures, [], 'no call failed');
  const refusal = gw.logs.find((line) => String(line.msg).startsWith('config file change refused'));
  t.truthy(refusal, 'the broken edit was logged');
  t.regex(String(refusal?.msg), /routes\.gpt-4o\.targets\[0\]\.weight: expected a positive number, line 8/);
  const applied = gw.logs.filter((line) => line.msg === 'routing config in force');
  t.deepEqual(
    applied.map((line) => line.source),
    ['file', 'file', 'file'],
    'three configs were in force: the one at start and two edits (not the broken one)',
  );
  t.deepEqual(
    applied.map((line) => line.revision),
    [0, 1, 2],
  );
});

test('a broken file at a reload leaves the old table serving, and a fixed one is then applied', async (t) => {
  const [a, b] = await Promise.all([new FakeOpenAIUpstream().start(), new FakeOpenAIUpstream().start()]);
  const file = writeConfigFile(`upstreams:\n${upstream('a', a)}routes:\n  gpt-4o:\n    targets: [{ upstream: a }]\n`);
  const gw = await startGateway({ CONFIG_FILE: file, CONFIG_WATCH_SECONDS: '0.05' });
  t.teardown(async () => {
    await gw.close();
    await Promise.all([a.stop(), b.stop()]);
  });
  const ask = () => gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  writeFileSync(file, 'upstreams: [this is: not a map\n');
  await waitFor(() => gw.logs.some((line) => String(line.msg).startsWith('config file change refused')), 'the broken file refused');
  t.is((await ask()).response.headers.get('x-gateway-upstream'), 'a', 'the old table serves');
  writeFileSync(file, `upstreams:\n${upstream('b', b)}routes:\n  gpt-4o:\n    targets: [{ upstream: b }]\n`);
  await waitFor(() => gw.logs.filter((line) => line.msg === 'routing config in force').length === 2, 'the fixed file applied');
  t.is((await ask()).response.headers.get('x-gateway-upstream'), 'b');
  t.is(a.requests.length, 1);
});
