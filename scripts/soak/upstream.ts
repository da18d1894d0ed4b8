/**
 * The soak's upstream: OpenAI-compatible chat (JSON and a 20-chunk stream with a little time between chunks, usage
 * on request) and embeddings, with faults chosen by the user message: `fault:500:<id>` and `fault:429:<id>` answer
 * that error the first time an id is seen (the gateway's retry on another key then succeeds), `fault:cut` starts a
 * stream and drops the connection after three chunks. Prints its port on stdout.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const CHUNK_GAP_MS = 5;
const usage = { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32 };

const chunk = (delta: Record<string, unknown>, finish: string | null, withUsage?: boolean) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-soak',
    object: 'chat.completion.chunk',
    created: 1_733_000_000,
    model: 'gpt-4o-mini',
    choices: withUsage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(withUsage ? { usage } : {}),
  })}\n\n`;

const completion = JSON.stringify({
  id: 'chatcmpl-soak',
  object: 'chat.completion',
  created: 1_733_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'A steady answer for a long run.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage,
});

const embedding = JSON.stringify({
  object: 'list',
  data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8] }],
  model: 'text-embedding-3-small',
  usage: { prompt_tokens: 4, total_tokens: 4 },
});

function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

async function stream(res: ServerResponse, cutAfter: number | undefined, includeUsage: boolean): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (let index = 0; index < 20; index++) {
    if (cutAfter !== undefined && index === cutAfter) {
      res.socket?.destroy();
      return;
    }
    if (res.destroyed) return;
    res.write(chunk({ content: `word${index} ` }, null));
    await new Promise((resolve) => setTimeout(resolve, CHUNK_GAP_MS));
  }
  res.write(chunk({}, 'stop'));
  if (includeUsage) res.write(chunk({}, null, true));
  res.end('data: [DONE]\n\n');
}

/** Ids of faulty requests answered with their fault once; the retry is served. */
const failedOnce = new Set<string>();
function firstSight(id: string): boolean {
  if (failedOnce.delete(id)) return false;
  if (failedOnce.size > 10_000) failedOnce.clear();
  failedOnce.add(id);
  return true;
}

const error = (message: string, type: string) => JSON.stringify({ error: { message, type, param: null, code: null } });

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (part: string) => (body += part));
  req.on('end', () => {
    if (req.url?.endsWith('/embeddings')) return sendJson(res, 200, embedding);
    const fault = /fault:(500|429):(\w+)/.exec(body);
    if (fault && firstSight(fault[2]!)) {
      if (fault[1] === '500') return sendJson(res, 500, error('The server had an error.', 'server_error'));
      return sendJson(res, 429, error('Rate limit reached.', 'requests'), { 'retry-after': '1' });
    }
    if (body.includes('"stream":true')) return void stream(res, body.includes('fault:cut') ? 3 : undefined, body.includes('"include_usage":true'));
    sendJson(res, 200, completion);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
