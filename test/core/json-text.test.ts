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
