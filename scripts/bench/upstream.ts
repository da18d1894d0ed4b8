/**
 * The benchmark's upstream: an OpenAI-compatible server that answers at once, with a fixed chat completion or a
 * 20-chunk SSE stream (a usage chunk more when asked for with `stream_options.include_usage`, as OpenAI does), and
 * Anthropic's `/v1/messages` with a fixed message. It does as little work as possible, so that the measurement is
 * about what sits in front of it.
 * Prints its port on stdout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_733_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Benchmarks measure what they measure, and nothing else.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 10, total_tokens: 22 },
  system_fingerprint: 'fp_bench',
});

/** A Responses API answer, for the passthrough measure; its usage is read from its end by the gateway. */
const response = JSON.stringify({
  id: 'resp_bench',
  object: 'response',
  created_at: 1_733_000_000,
  status: 'completed',
  model: 'gpt-4o-mini',
  output: [{ id: 'msg_bench', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'Benchmarks measure what they measure, and nothing else.' }] }],
  usage: { input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 22 },
});

const chunk = (delta: string, finish: string | null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_733_000_000, model: 'gpt-4o-mini', choices: [{ index: 0, delta: finish ? {} : { content: delta }, logprobs: null, finish_reason: finish }] })}\n\n`;
const streamChunks = [...Array.from({ length: 19 }, (_, index) => chunk(`word${index} `, null)), chunk('', 'stop'), 'data: [DONE]\n\n'];
/** As OpenAI streams with `stream_options.include_usage`: a last chunk without choices carries the usage. */
const usageChunk = `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_733_000_000, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32 } })}\n\n`;
const streamChunksWithUsage = [...streamChunks.slice(0, -1), usageChunk, streamChunks.at(-1)!];

/** The same answer in Anthropic's Messages shape, for `/v1/messages`. */
const message = JSON.stringify({
  id: 'msg_bench',
  type: 'message',
  role: 'assistant',
  model: 'claude-bench',
  content: [{ type: 'text', text: 'Benchmarks measure what they measure, and nothing else.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 10 },
});

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (part: string) => (body += part));
  req.on('end', () => {
    if (req.url === '/v1/messages') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(message) });
      res.end(message);
      return;
    }
    if (body.includes('"stream":true')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const part of body.includes('"include_usage":true') ? streamChunksWithUsage : streamChunks) res.write(part);
      res.end();
      return;
    }
    const answer = req.url?.endsWith('/responses') ? response : completion;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
