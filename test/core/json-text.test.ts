import test from 'ava';
import { lastObjectOfKey, lastStringOfKey } from '../../src/core/json-text.js';

test('the last object and the last string under a key, read without parsing the text around them', (t) => {
  const sse = 'data: {"usageMetadata": {"totalTokenCount": 3}, "modelVersion": "gemini-2.5-flash"}\r\n\r\ndata: {"usageMetadata": {"totalTokenCount": 9}, "modelVersion": "gemini-2.5-flash-001"}\r\n\r\n';
  t.deepEqual(lastObjectOfKey(sse, 'usageMetadata'), { totalTokenCount: 9 });
  t.is(lastStringOfKey(sse, 'modelVersion'), 'gemini-2.5-flash-001');
  t.is(lastStringOfKey('{"modelVersion":"a \\"quoted\\" name"}', 'modelVersion'), 'a \\"quoted\\" name');
  t.is(lastStringOfKey('{"modelVersion": null}', 'modelVersion'), undefined);
  t.is(lastStringOfKey('{"other":"x"}', 'modelVersion'), undefined);
  t.is(lastObjectOfKey('{"usage": null}', 'usage'), undefined);
});

test('an object with nested objects, and with braces inside its strings, is read whole', (t) => {
  const usage = { prompt_tokens: 12, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 4 }, total_tokens: 22 };
  t.deepEqual(lastObjectOfKey(`{"id":"x","usage":${JSON.stringify(usage)},"system_fingerprint":"fp"}`, 'usage'), usage);
  const tricky = [
    { query: 'a } b', n: 1 },
    { query: 'a { b', nested: { x: 1 } },
    { query: '}{', urls: ['{', '}}'], nested: { deeper: { q: '{{' } } },
    { query: 'quote \" and } brace' },
  ];
  for (const value of tricky) {
    t.deepEqual(lastObjectOfKey(`{"groundingMetadata":${JSON.stringify(value)},"after":{"k":"}"}}`, 'groundingMetadata'), value, JSON.stringify(value));
  }
  t.is(lastObjectOfKey('{"usage":{"prompt_tokens":1,"details":{"a":2}', 'usage'), undefined, 'cut off');
  t.is(lastObjectOfKey('{"usage":{"note":"{"', 'usage'), undefined, 'cut off inside a string');
});
