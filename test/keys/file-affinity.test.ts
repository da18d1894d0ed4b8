import test from 'ava';
import { FileKeyAffinity, referencedFiles } from '../../src/keys/file-affinity.js';
import { MemoryKeyAffinityStore } from '../../src/keys/key-affinity-store.js';

test('the files a body names: file URIs in Gemini and OpenAI bodies and bare fileUri values, each once; prose is not matched', (t) => {
  const native = JSON.stringify({ contents: [{ parts: [{ fileData: { fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc123', mimeType: 'text/plain' } }, { fileData: { fileUri: 'files/def-456' } }] }] });
  t.deepEqual(referencedFiles(native), ['files/abc123', 'files/def-456']);
  const openai = JSON.stringify({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://generativelanguage.googleapis.com/v1beta/files/abc123' } }] }, { role: 'user', content: 'see https://generativelanguage.googleapis.com/v1beta/files/abc123' }] });
  t.deepEqual(referencedFiles(openai), ['files/abc123']);
  t.deepEqual(referencedFiles(JSON.stringify({ messages: [{ role: 'user', content: 'my files/notes are in the cabinet' }] })), []);
  t.deepEqual(referencedFiles(undefined), []);
});

test('a remembered file pins its key; an upload session keeps its URL and key under an opaque id; both expire', async (t) => {
  let now = 1_000;
  const affinity = new FileKeyAffinity(new MemoryKeyAffinityStore(() => now));
  await affinity.remember('files/abc', { provider: 'gemini', keyId: 'k1' });
  t.deepEqual(await affinity.pinFor('{"fileUri":"files/zzz"},{"fileUri":"files/abc"}'), { provider: 'gemini', keyId: 'k1' });
  const id = await affinity.openUpload({ provider: 'gemini', keyId: 'k2', url: 'https://up.example/upload?upload_id=1' });
  t.regex(id, /^[\w-]{32}$/);
  t.deepEqual(await affinity.upload(id), { provider: 'gemini', keyId: 'k2', url: 'https://up.example/upload?upload_id=1' });
  t.is(await affinity.upload('not an id'), undefined);
  now += 48 * 3_600_000;
  t.is(await affinity.keyOf('files/abc'), undefined);
  t.is(await affinity.upload(id), undefined);
});
