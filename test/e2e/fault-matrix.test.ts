import test, { type ExecutionContext } from 'ava';
import { APIError } from 'openai';
import { FakeAnthropicUpstream } from '../fakes/anthropic-upstream.js';
import { FakeAzureOpenAIUpstream } from '../fakes/azure-openai-upstream.js';
import { FaultProxy, type InjectedFault } from '../fakes/fault-proxy.js';
import { FakeGeminiUpstream, googleError } from '../fakes/gemini-upstream.js';
import { FakeOllamaUpstream } from '../fakes/ollama-upstream.js';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { type RunningGateway, startGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

/*
 * The fault matrix: every provider kind × stream / JSON × every way an upstream fails, each cell with the outcome
 * the README's "What the gateway guarantees" promises (and its table of faults). Each provider has two keys; the
 * fault meets the first attempt only (a fault proxy between the gateway and the fake upstream injects it), so a
 * retry on the other key succeeds, unless the fault is the whole upstream's (a refused connection).
 *
 * The table below is the specification: read it against the README.
 */

/** What the official OpenAI SDK sees. */
type ClientOutcome =
  /** The call is retried on the other key before anything reached the client, and succeeds: 200, the whole text. */
  | 'served by the next key'
  /** The stream had started: it ends with an error event and no `[DONE]`; the SDK raises it; no text twice. */
  | 'stream ends with an error event'
  /** Every key failed the same way: the error's status and type. */
  | { status: number; type: string };

/** What the key pool holds against the key that met the fault (MAX_FAILURES=1 in this test). */
type Penalty =
  /** Retired: a bad-key answer. */
  | 'invalid'
  /**
   * Rests as long as the upstream's Retry-After says (7 s here); its failure count untouched. Where the provider
   * limits per model (Gemini), the key rests for that model only and serves the others meanwhile.
   */
  | 'rests for Retry-After'
  /** Rests RATE_LIMIT_COOLDOWN_SECONDS (600 s here); its failure count untouched. */
  | 'rests for the rate-limit cooldown'
  /** A transient failure: +1, and at MAX_FAILURES it rests TRANSIENT_COOLDOWN_SECONDS (30 s here). */
  | 'transient failure';

interface Cell {
  client: ClientOutcome;
  penalty: Penalty;
  /** The key(s) penalised: the one that met the fault, or every key (the upstream itself is down). */
  keys: 'that key' | 'every key';
  /** The status the error log shows for the failed attempt, when the upstream gave one. */
  logged?: number;
}

/** A cell that cannot exist, with why (a JSON answer has no frames). */
interface NotApplicable {
  notApplicable: string;
}

interface FaultRow {
  fault: string;
  stream: Cell | NotApplicable;
  json: Cell | NotApplicable;
}

const RETRIED = 'served by the next key' as const;
const STREAM_ERROR = 'stream ends with an error event' as const;
const retried = (penalty: Penalty, logged?: number): Cell => ({ client: RETRIED, penalty, keys: 'that key', logged });

const MATRIX: readonly FaultRow[] = [
  { fault: '401', stream: retried('invalid', 401), json: retried('invalid', 401) },
  { fault: '403', stream: retried('invalid', 403), json: retried('invalid', 403) },
  { fault: '429 with Retry-After', stream: retried('rests for Retry-After', 429), json: retried('rests for Retry-After', 429) },
  { fault: '429 without Retry-After', stream: retried('rests for the rate-limit cooldown', 429), json: retried('rests for the rate-limit cooldown', 429) },
  { fault: '500', stream: retried('transient failure', 500), json: retried('transient failure', 500) },
  { fault: '503', stream: retried('transient failure', 503), json: retried('transient failure', 503) },
  // Anthropic's own 529 (overloaded) is passed on and logged as 503, a status every OpenAI SDK knows.
  { fault: '529', stream: retried('transient failure'), json: retried('transient failure') },
  {
    fault: 'connection refused',
    stream: { client: { status: 502, type: 'server_error' }, penalty: 'transient failure', keys: 'every key', logged: 502 },
    json: { client: { status: 502, type: 'server_error' }, penalty: 'transient failure', keys: 'every key', logged: 502 },
  },
  { fault: 'reset before headers', stream: retried('transient failure', 502), json: retried('transient failure', 502) },
  { fault: 'reset after headers', stream: retried('transient failure', 502), json: retried('transient failure', 502) },
  {
    fault: 'death mid-stream',
    stream: { client: STREAM_ERROR, penalty: 'transient failure', keys: 'that key', logged: 502 },
    json: retried('transient failure', 502),
  },
  {
    // TIME_OUT is both how long an upstream may stay silent and the call's deadline for starting attempts: a
    // silent upstream has spent the call's time, so it is answered 504 rather than retried.
    fault: 'stall past the timeout',
    stream: { client: STREAM_ERROR, penalty: 'transient failure', keys: 'that key', logged: 504 },
    json: { client: { status: 504, type: 'server_error' }, penalty: 'transient failure', keys: 'that key', logged: 504 },
  },
  { fault: 'malformed JSON', stream: retried('transient failure', 502), json: retried('transient failure', 502) },
  {
    fault: 'truncated SSE',
    stream: { client: STREAM_ERROR, penalty: 'transient failure', keys: 'that key', logged: 502 },
    json: retried('transient failure', 502),
  },
  { fault: 'in-band error frame', stream: retried('transient failure'), json: { notApplicable: 'a JSON answer has no frames: see "200 whose body is an error"' } },
  { fault: '200 whose body is an error', stream: retried('transient failure'), json: retried('transient failure') },
  { fault: 'empty answer', stream: retried('transient failure', 502), json: retried('transient failure', 502) },
];

/** How one provider kind words its failures, and how its gateway is configured. */
interface ProviderUnderTest {
  name: string;
  /** Its rate limits are per model: a 429 rests the key for the model called only. */
  limitsPerModel?: boolean;
  /** The pool's name in the admin API. */
  pool: string;
  model: string;
  start(): Promise<{ origin: string; url: string; stop(): Promise<void> }>;
  env(url: string): Record<string, string>;
  /** What ends a stream frame on its wire. */
  frameEnd: string;
  streamType: string;
  errorBody(status: number, message: string): string;
  /** A stream whose first frame is an error. */
  inBandError: string;
  /** A 200 JSON body that is an error. */
  errorIn200: string;
  /** A 200 answer with no content, no tool call and no finish reason, as JSON and as a stream. */
  emptyJson: string;
  emptyStream: string;
  /** A stream whose first frame is not JSON. */
  malformedStream: string;
}

const KEYS = ['sk-fault-matrix-key-number-0001', 'sk-fault-matrix-key-number-0002'];
const keyList = JSON.stringify(KEYS);

const openAIError = (status: number, message: string) =>
  JSON.stringify({ error: { message, type: status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: status === 401 ? 'invalid_api_key' : null } });
const openAIWire = {
  frameEnd: '\n\n',
  streamType: 'text/event-stream',
  errorBody: openAIError,
  inBandError: `data: ${openAIError(500, 'The server had an error while processing your request.')}\n\n`,
  errorIn200: openAIError(500, 'The server had an error while processing your request.'),
  emptyJson: JSON.stringify({ id: 'chatcmpl-empty', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: null }] }),
  emptyStream: `data: ${JSON.stringify({ id: 'chatcmpl-empty', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\ndata: [DONE]\n\n`,
  malformedStream: 'data: {"id": "chatcmpl-broken", "choices": [\n\n',
};

const GOOGLE_STATUS: Record<number, string> = { 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 529: 'UNAVAILABLE' };
const geminiError = (status: number, message: string) => JSON.stringify(googleError(status, GOOGLE_STATUS[status] ?? 'UNKNOWN', message));

const anthropicTypes: Record<number, string> = { 401: 'authentication_error', 403: 'permission_error', 429: 'rate_limit_error', 500: 'api_error', 503: 'api_error', 529: 'overloaded_error' };
const anthropicError = (status: number, message: string) => JSON.stringify({ type: 'error', error: { type: anthropicTypes[status] ?? 'api_error', message } });
const anthropicFrame = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
const anthropicStart = anthropicFrame('message_start', {
  type: 'message_start',
  message: { id: 'msg_empty', type: 'message', role: 'assistant', model: 'claude-haiku-4-5-20251001', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } },
});

const ollamaError = (_status: number, message: string) => JSON.stringify({ error: message });

const fakeAt = (fake: { start(): Promise<unknown>; stop(): Promise<void>; origin: string }, url: () => string) => async () => {
  await fake.start();
  return { origin: fake.origin, url: url(), stop: () => fake.stop() };
};

const PROVIDERS: readonly ProviderUnderTest[] = [
  (() => {
    const fake = new FakeOpenAIUpstream();
    return { name: 'openai-compatible (OpenAI)', pool: 'openai', model: 'gpt-4o-mini', start: fakeAt(fake, () => fake.url), env: (url) => ({ OPENAI_API_KEYS: keyList, OPENAI_BASE_URL: url }), ...openAIWire };
  })(),
  (() => {
    const fake = new FakeAzureOpenAIUpstream();
    return {
      name: 'azure',
      pool: 'azure',
      model: 'azure/gpt-4o-prod',
      start: fakeAt(fake, () => fake.origin),
      env: (url) => ({ AZURE_OPENAI_API_KEYS: keyList, AZURE_OPENAI_ENDPOINT: url, AZURE_OPENAI_API_VERSION: '2024-10-21', AZURE_OPENAI_DEPLOYMENTS: 'gpt-4o-prod' }),
      ...openAIWire,
    };
  })(),
  (() => {
    const fake = new FakeGeminiUpstream();
    return {
      name: 'gemini',
      pool: 'gemini',
      limitsPerModel: true,
      model: 'gemini-2.5-flash',
      start: fakeAt(fake, () => fake.url),
      env: (url) => ({ API_KEYS: keyList, BASE_URL: url }),
      frameEnd: '\r\n\r\n',
      streamType: 'text/event-stream',
      errorBody: geminiError,
      inBandError: `data: ${geminiError(500, 'An internal error has occurred.')}\r\n\r\n`,
      errorIn200: geminiError(500, 'An internal error has occurred.'),
      emptyJson: JSON.stringify({ candidates: [{ content: { role: 'model', parts: [] }, index: 0 }], usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 }, modelVersion: 'gemini-2.5-flash' }),
      emptyStream: `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [] }, index: 0 }], modelVersion: 'gemini-2.5-flash' })}\r\n\r\n`,
      malformedStream: 'data: {"candidates": [{"content": \r\n\r\n',
    };
  })(),
  (() => {
    const fake = new FakeAnthropicUpstream();
    return {
      name: 'anthropic',
      pool: 'anthropic',
      model: 'claude-haiku-4-5-20251001',
      start: fakeAt(fake, () => fake.url),
      env: (url) => ({ ANTHROPIC_API_KEYS: keyList, ANTHROPIC_BASE_URL: url }),
      frameEnd: '\n\n',
      streamType: 'text/event-stream',
      errorBody: anthropicError,
      inBandError: anthropicFrame('error', JSON.parse(anthropicError(529, 'Overloaded'))),
      errorIn200: anthropicError(500, 'Internal server error'),
      emptyJson: JSON.stringify({ id: 'msg_empty', type: 'message', role: 'assistant', model: 'claude-haiku-4-5-20251001', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 0 } }),
      emptyStream: `${anthropicStart}${anthropicFrame('message_stop', { type: 'message_stop' })}`,
      malformedStream: 'event: message_start\ndata: {"type": "message_start", "message": \n\n',
    };
  })(),
  (() => {
    const fake = new FakeOllamaUpstream();
    const empty = { model: 'llama3.1:8b', created_at: '2025-01-01T00:00:00Z', message: { role: 'assistant', content: '' }, done: false };
    return {
      name: 'ollama',
      pool: 'ollama',
      model: 'ollama/llama3.1:8b',
      start: fakeAt(fake, () => fake.url),
      env: (url) => ({ OLLAMA_API_KEY: keyList, OLLAMA_BASE_URL: url }),
      frameEnd: '\n',
      streamType: 'application/x-ndjson',
      errorBody: ollamaError,
      inBandError: `${ollamaError(500, 'an error was encountered while running the model')}\n`,
      errorIn200: ollamaError(500, 'an error was encountered while running the model'),
      emptyJson: JSON.stringify(empty),
      emptyStream: `${JSON.stringify(empty)}\n`,
      malformedStream: '{"model": "llama3.1:8b", "message": \n',
    };
  })(),
];

const ADMIN = 'sk-admin-fault-matrix-0001';
const PROMPT = 'tell me about the weather in five words or more';
const EXPECTED_TEXT = `You said: ${PROMPT}`;

/** The fault a row injects for a provider and a mode; 'refuse' stops the upstream listening. */
function faultOf(row: string, p: ProviderUnderTest, stream: boolean): InjectedFault | 'refuse' {
  const answer = (status: number, body: string, headers?: Record<string, string>, contentType = 'application/json'): InjectedFault => ({ kind: 'answer', status, contentType, body, headers });
  switch (row) {
    case '401':
    case '403':
    case '500':
    case '503':
    case '529':
      return answer(Number(row), p.errorBody(Number(row), `fault ${row} from the matrix`));
    case '429 with Retry-After':
      return answer(429, p.errorBody(429, 'Rate limit reached for requests'), { 'retry-after': '7' });
    case '429 without Retry-After':
      return answer(429, p.errorBody(429, 'Rate limit reached for requests'));
    case 'connection refused':
      return 'refuse';
    case 'reset before headers':
      return { kind: 'reset-before-headers' };
    case 'reset after headers':
      return { kind: 'reset-after-headers' };
    case 'death mid-stream':
      return stream ? { kind: 'cut-stream', marker: 'You', frameEnd: p.frameEnd, then: 'destroy' } : { kind: 'cut-body', then: 'destroy' };
    case 'stall past the timeout':
      return stream ? { kind: 'cut-stream', marker: 'You', frameEnd: p.frameEnd, then: 'stall' } : { kind: 'stall-before-headers' };
    case 'malformed JSON':
      return stream ? answer(200, p.malformedStream, undefined, p.streamType) : answer(200, '{"id": "broken", "choices": [{"message": ');
    case 'truncated SSE':
      return stream ? { kind: 'cut-stream', marker: 'You', frameEnd: p.frameEnd, then: 'end-mid-frame' } : { kind: 'cut-body', then: 'end' };
    case 'in-band error frame':
      return answer(200, p.inBandError, undefined, p.streamType);
    case '200 whose body is an error':
      return stream ? answer(200, p.errorIn200) : answer(200, p.errorIn200);
    case 'empty answer':
      return stream ? answer(200, p.emptyStream, undefined, p.streamType) : answer(200, p.emptyJson);
    default:
      throw new Error(`no fault named ${row}`);
  }
}

interface KeyView {
  id: string;
  status: string;
  failures: number;
  cooling_until: string | null;
  cooling_models: Record<string, string>;
  last_status: number | null;
}

interface LogView {
  request_id: string;
  status: number;
  attempts: number;
  upstream_key: string | null;
  usage: { total_tokens: number };
}

/** Runs the call and checks what the client got. */
async function callAndCheckClient(t: ExecutionContext, gw: RunningGateway, p: ProviderUnderTest, stream: boolean, cell: Cell, requestId: string): Promise<void> {
  const client = gw.client();
  const options = { headers: { 'x-request-id': requestId } };
  const messages = [{ role: 'user' as const, content: PROMPT }];
  if (!stream) {
    if (cell.client === RETRIED) {
      const completion = await client.chat.completions.create({ model: p.model, messages }, options);
      t.is(completion.choices[0]?.message.content, EXPECTED_TEXT, `the answer: ${JSON.stringify(completion)}`);
      return;
    }
    const expected = cell.client as { status: number; type: string };
    const error = await t.throwsAsync(client.chat.completions.create({ model: p.model, messages }, options), { instanceOf: APIError });
    t.is(error?.status, expected.status, 'the status the client gets');
    t.is((error?.error as { type?: string } | undefined)?.type, expected.type, 'the error type the client gets');
    return;
  }
  if (typeof cell.client === 'object') {
    const error = await t.throwsAsync(client.chat.completions.create({ model: p.model, messages, stream: true }, options), { instanceOf: APIError });
    t.is(error?.status, cell.client.status, 'the status the client gets');
    t.is((error?.error as { type?: string } | undefined)?.type, cell.client.type, 'the error type the client gets');
    return;
  }
  // Read the raw events, to see the ending the SDK hides.
  const response = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${'sk-client-token-for-tests-0001'}`, 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ model: p.model, messages, stream: true }),
  });
  t.is(response.status, 200, 'the stream starts');
  const events = (await response.text()).split('\n\n').filter((frame) => frame.startsWith('data: ')).map((frame) => frame.slice(6));
  const chunks = events.filter((data) => data !== '[DONE]').map((data) => JSON.parse(data) as { choices?: { delta?: { content?: string } }[]; error?: unknown });
  const text = chunks.map((chunk) => chunk.choices?.[0]?.delta?.content ?? '').join('');
  if (cell.client === RETRIED) {
    t.is(events.at(-1), '[DONE]', 'a complete stream ends with [DONE]');
    t.is(text, EXPECTED_TEXT, `the whole answer, once: ${JSON.stringify(events)}`);
    t.false(chunks.some((chunk) => chunk.error !== undefined));
  } else {
    t.false(events.includes('[DONE]'), 'no [DONE] after a failure');
    t.truthy(chunks.at(-1)?.error, 'the stream ends with an error event');
    t.true(text.length > 0 && EXPECTED_TEXT.startsWith(text), `the text before the failure, never twice: ${JSON.stringify(text)}`);
  }
}

async function checkPenalty(t: ExecutionContext, admin: ReturnType<typeof adminApi>, p: ProviderUnderTest, cell: Cell): Promise<KeyView[]> {
  const { body } = await admin.get<{ keys: KeyView[] }>(`/admin/api/upstream-keys/${p.pool}`);
  const penalised = body.keys.filter((key) => key.status !== 'valid' || key.failures > 0 || Object.keys(key.cooling_models).length > 0);
  t.is(penalised.length, cell.keys === 'every key' ? KEYS.length : 1, `penalised keys: ${JSON.stringify(body.keys)}`);
  const now = Date.now();
  for (const key of penalised) {
    const restsUntil = key.cooling_until ?? Object.values(key.cooling_models)[0] ?? null;
    const restsFor = restsUntil === null ? 0 : (Date.parse(restsUntil) - now) / 1000;
    const ratedLimited = () => {
      if (p.limitsPerModel) t.deepEqual(Object.keys(key.cooling_models), [p.model], 'rests for the model called only');
      else t.is(key.status, 'cooling', 'the key state');
    };
    switch (cell.penalty) {
      case 'invalid':
        t.is(key.status, 'invalid', 'the key state');
        break;
      case 'rests for Retry-After':
        ratedLimited();
        t.true(restsFor > 3 && restsFor <= 7, `rests ${restsFor}s`);
        break;
      case 'rests for the rate-limit cooldown':
        ratedLimited();
        t.true(restsFor > 300, `rests ${restsFor}s`);
        break;
      case 'transient failure':
        t.is(key.status, 'cooling', 'MAX_FAILURES=1: one transient failure rests the key');
        t.true(restsFor > 10 && restsFor <= 30, `rests ${restsFor}s`);
        break;
    }
  }
  return penalised;
}

async function checkLogs(t: ExecutionContext, gw: RunningGateway, admin: ReturnType<typeof adminApi>, cell: Cell, requestId: string, penalised: KeyView[]): Promise<void> {
  let records: LogView[] = [];
  await waitFor(async () => {
    await gw.gateway.flushUsage();
    records = (await admin.get<{ data: LogView[] }>('/admin/api/logs?limit=200')).body.data.filter((record) => record.request_id === requestId);
    return records.length > 0;
  }, 'the request log record');
  t.is(records.length, 1, 'one request log record per call');
  const record = records[0]!;
  if (cell.client === RETRIED) {
    t.is(record.status, 200, 'the logged status');
    t.is(record.attempts, 2, 'the logged attempts');
    t.false(penalised.some((key) => key.id === record.upstream_key), 'the key that served is not the one that failed');
  } else if (cell.client === STREAM_ERROR) {
    t.true(record.status >= 500, `status ${record.status}`);
    t.is(record.attempts, 1, 'the logged attempts');
  } else {
    t.is(record.status, cell.client.status, 'the logged status');
    t.is(record.attempts, cell.keys === 'every key' ? KEYS.length : 1, 'the logged attempts');
  }
  if (cell.client !== RETRIED && typeof cell.client !== 'object') t.true(record.usage.total_tokens > 0, 'what was streamed is metered');
  if (cell.client === RETRIED) t.true(record.usage.total_tokens > 0, 'the answer is metered');
  const errors = (await admin.get<{ data: { request_id: string; upstream_key: string | null; status: number }[] }>('/admin/api/logs/errors?limit=200')).body.data.filter(
    (entry) => entry.request_id === requestId,
  );
  for (const key of penalised) {
    const entry = errors.find((error) => error.upstream_key === key.id);
    t.truthy(entry, `the error log names the failed attempt of key ${key.id}`);
    if (cell.logged !== undefined) t.is(entry?.status, cell.logged, `the error log's status: ${JSON.stringify(errors)}`);
  }
}

for (const p of PROVIDERS) {
  test.serial(`fault matrix: ${p.name}`, async (t) => {
    const upstream = await p.start();
    const proxy = await new FaultProxy(upstream.origin).start();
    const gw = await startGateway({
      ...p.env(upstream.url.replace(upstream.origin, proxy.origin)),
      AUTH_TOKEN: ADMIN,
      MAX_FAILURES: '1',
      MAX_RETRIES: '3',
      TIME_OUT: '0.8',
      RATE_LIMIT_COOLDOWN_SECONDS: '600',
      TRANSIENT_COOLDOWN_SECONDS: '30',
      CHECK_INTERVAL_HOURS: '0',
    });
    t.teardown(async () => {
      await gw.close();
      await proxy.stop();
      await upstream.stop();
    });
    const admin = adminApi(gw, ADMIN);
    let serial = 0;
    const failed: string[] = [];
    for (const row of MATRIX) {
      for (const stream of [true, false]) {
        const cell = stream ? row.stream : row.json;
        if ('notApplicable' in cell) continue;
        const label = `${p.name} · ${stream ? 'stream' : 'JSON'} · ${row.fault}`;
        await gw.resetKeys();
        const requestId = `fault-matrix-${p.pool}-${++serial}`;
        const fault = faultOf(row.fault, p, stream);
        if (fault === 'refuse') await proxy.refuse();
        else proxy.arm(fault);
        try {
          const outcome = await t.try(label, async (tt) => {
            try {
              await callAndCheckClient(tt, gw, p, stream, cell, requestId);
              const penalised = await checkPenalty(tt, admin, p, cell);
              await checkLogs(tt, gw, admin, cell, requestId, penalised);
            } catch (error) {
              tt.fail(`threw ${error instanceof Error ? error.message : String(error)}`);
            }
          });
          if (outcome.passed) outcome.commit();
          else {
            failed.push(`${label}: ${outcome.errors.map((error) => `${error.message} ${JSON.stringify((error as { values?: unknown }).values ?? '')}`).join('; ')}`);
            outcome.discard();
          }
        } finally {
          if (fault === 'refuse') await proxy.reopen();
        }
      }
    }
    // Every cell runs; the ones that failed are listed together.
    t.deepEqual(failed, []);
  });
}

test('every cell of the matrix is decided, for streams and JSON answers alike', (t) => {
  for (const row of MATRIX) {
    for (const cell of [row.stream, row.json]) {
      t.true('notApplicable' in cell ? cell.notApplicable.length > 0 : cell.client !== undefined && cell.penalty !== undefined, row.fault);
    }
  }
  t.is(new Set(MATRIX.map((row) => row.fault)).size, 17);
});
