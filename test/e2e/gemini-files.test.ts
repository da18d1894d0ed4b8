import test, { type ExecutionContext } from 'ava';
import { createPartFromUri, GoogleGenAI } from '@google/genai';
import { FakeGeminiUpstream } from '../fakes/gemini-upstream.js';
import { CLIENT_TOKEN, type RunningGateway, startGateway } from '../helpers/gateway.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

// Gemini's Files API on the key pool: a file lives under the key that uploaded it, and the gateway sends every later
// call about it with that key, whatever the rotation, on every instance that shares the store.

const KEYS = ['AIzaSyFilesPoolKeyOne00000000000000001', 'AIzaSyFilesPoolKeyTwo00000000000000002', 'AIzaSyFilesPoolKeyThree000000000000003'];

async function setUp(t: ExecutionContext, instances: number, env: Record<string, string> = {}) {
  const fake = await new FakeGeminiUpstream().start();
  const gateways: RunningGateway[] = [];
  for (let index = 0; index < instances; index++) gateways.push(await startGateway({ API_KEYS: JSON.stringify(KEYS), BASE_URL: fake.url, ...env }));
  t.teardown(async () => {
    for (const gw of gateways) await gw.close();
    await fake.stop();
  });
  return { fake, gateways };
}

const genai = (gw: RunningGateway) => new GoogleGenAI({ apiKey: CLIENT_TOKEN, httpOptions: { baseUrl: gw.url } });

const upload = (gw: RunningGateway, text: string) =>
  genai(gw).files.upload({ file: new Blob([text], { type: 'text/plain' }), config: { mimeType: 'text/plain', displayName: 'notes.txt' } });

/** A few plain calls, so that the pool's rotation has moved on. */
async function rotate(gw: RunningGateway, calls = 4): Promise<void> {
  for (let index = 0; index < calls; index++) await genai(gw).models.generateContent({ model: 'gemini-2.5-flash', contents: 'rotate' });
}

test('a file uploaded through the resumable protocol is used with its key after the pool rotated; its upload URL points at the gateway without the key', async (t) => {
  const { fake, gateways } = await setUp(t, 1);
  const [gw] = gateways as [RunningGateway];

  const file = await upload(gw, 'the quick brown fox');
  t.regex(file.name ?? '', /^files\/[a-f0-9]+$/);
  t.is(file.sizeBytes, String('the quick brown fox'.length));
  const start = fake.requests.find((request) => request.action === 'uploadStart')!;
  const chunks = fake.requests.filter((request) => request.action === 'uploadChunk');
  t.true(chunks.length >= 1);
  t.true(chunks.every((chunk) => chunk.apiKey === start.apiKey), 'every chunk goes with the key the upload started with');
  t.is(chunks.at(-1)!.headers['x-goog-upload-command'], 'upload, finalize');
  const owner = start.apiKey!;

  // The upload URL the client got: the gateway's, with an opaque id and no upstream key.
  const started = await fetch(`${gw.url}/upload/v1beta/files`, {
    method: 'POST',
    headers: { 'x-goog-api-key': CLIENT_TOKEN, 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start', 'content-type': 'application/json' },
    body: JSON.stringify({ file: { displayName: 'other.txt' } }),
  });
  t.is(started.status, 200);
  const uploadUrl = started.headers.get('x-goog-upload-url')!;
  t.true(uploadUrl.startsWith(`${gw.url}/upload/v1beta/files?upload_id=`), uploadUrl);
  t.false(KEYS.some((key) => uploadUrl.includes(key)));
  t.is(started.headers.get('x-goog-upload-status'), 'active');

  await rotate(gw);
  t.true(new Set(fake.calls.filter((call) => call.action === 'generateContent').map((call) => call.apiKey)).size > 1, 'the plain calls rotated over the pool');

  fake.requests.length = 0;
  for (let index = 0; index < 3; index++) {
    const answer = await genai(gw).models.generateContent({ model: 'gemini-2.5-flash', contents: [createPartFromUri(file.uri!, 'text/plain'), 'summarise'] });
    t.truthy(answer.text);
  }
  t.deepEqual(fake.calls.map((call) => call.apiKey), [owner, owner, owner]);

  // The OpenAI chat route names the file as a content part, and is pinned the same way.
  fake.requests.length = 0;
  for (let index = 0; index < 2; index++) {
    const completion = await gw.client().chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'summarise' }, { type: 'image_url', image_url: { url: file.uri! } }] }],
    });
    t.truthy(completion.choices[0]?.message.content);
  }
  t.deepEqual(fake.calls.map((call) => call.apiKey), [owner, owner]);
  t.false(gw.rawLogs.some((line) => KEYS.some((key) => line.includes(key))), 'no upstream key in the logs');
});

test('get and delete go with the file’s key, list passes through; a deleted file is forgotten', async (t) => {
  const { fake, gateways } = await setUp(t, 1);
  const [gw] = gateways as [RunningGateway];
  const file = await upload(gw, 'hello files');
  const owner = fake.requests.find((request) => request.action === 'uploadStart')!.apiKey;
  await rotate(gw, 2);

  for (let index = 0; index < 3; index++) {
    const got = await genai(gw).files.get({ name: file.name! });
    t.is(got.name, file.name);
    t.is(got.displayName, 'notes.txt');
  }
  t.true(fake.requests.filter((request) => request.action === 'getFile').every((request) => request.apiKey === owner));

  const listed = await fetch(`${gw.url}/v1beta/files`, { headers: { 'x-goog-api-key': CLIENT_TOKEN } });
  t.is(listed.status, 200);
  t.true(Array.isArray(((await listed.json()) as { files: unknown[] }).files));
  t.is(fake.last.action, 'listFiles');

  await genai(gw).files.delete({ name: file.name! });
  t.is(fake.last.action, 'deleteFile');
  t.is(fake.last.apiKey, owner);
  t.false(fake.files.stored.has(file.name!));

  const gone = await fetch(`${gw.url}/v1beta/${file.name!}`, { headers: { 'x-goog-api-key': CLIENT_TOKEN } });
  t.is(gone.status, 403, 'Gemini’s own answer for a file that is not there');
  t.is(((await gone.json()) as { error: { status: string } }).error.status, 'PERMISSION_DENIED');

  const unauthenticated = await fetch(`${gw.url}/v1beta/files`);
  t.is(unauthenticated.status, 401);
  const unknownUpload = await fetch(`${gw.url}/upload/v1beta/files?upload_id=nosuchuploadidatall0000&upload_protocol=resumable`, { method: 'POST', body: 'x' });
  t.is(unknownUpload.status, 404);
});

test('a second gateway instance sharing Redis sends a call naming the file with the key the first one uploaded it with', async (t) => {
  const prefix = uniquePrefix();
  t.teardown(() => deleteKeys(TEST_REDIS_URL, prefix));
  const { fake, gateways } = await setUp(t, 2, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
  const [one, two] = gateways as [RunningGateway, RunningGateway];

  const file = await upload(one, 'shared across instances');
  const owner = fake.requests.find((request) => request.action === 'uploadStart')!.apiKey;
  await rotate(two, 4);

  fake.requests.length = 0;
  for (let index = 0; index < 3; index++) {
    await genai(two).models.generateContent({ model: 'gemini-2.5-flash', contents: [createPartFromUri(file.uri!, 'text/plain'), 'what does it say?'] });
  }
  t.deepEqual(fake.calls.map((call) => call.apiKey), [owner, owner, owner]);
  const got = await genai(two).files.get({ name: file.name! });
  t.is(got.name, file.name);
});
