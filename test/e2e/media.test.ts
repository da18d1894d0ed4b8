import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { toFile } from 'openai';
import { FakeGeminiUpstream, fakePng } from '../fakes/gemini-upstream.js';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { CLIENT_TOKEN, gatewayInFrontOf, type RunningGateway } from '../helpers/gateway.js';
import { readFixture } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/wait.js';
import { mp3Frames } from '../helpers/mp3-frames.js';

// Images, speech and transcription end to end: the official SDK against the gateway, fakes speaking Gemini's and
// OpenAI's wire protocols behind it.

const ADMIN = 'sk-admin-for-media-tests-000000001';
const GEMINI_KEY = 'AIzaSyMediaTestKey00000000000000001';
const OPENAI_KEY = 'sk-upstream-media-0000000000000001';

const imageDir = () => mkdtempSync(path.join(tmpdir(), 'gateway-images-'));

const geminiGateway = (t: ExecutionContext, env: Record<string, string> = {}) =>
  gatewayInFrontOf(t, new FakeGeminiUpstream(), (fake) => ({ AUTH_TOKEN: ADMIN, API_KEYS: JSON.stringify([GEMINI_KEY]), BASE_URL: fake.url, IMAGE_UPLOAD_DIR: imageDir(), ...env }));

const openAIGateway = (t: ExecutionContext) =>
  gatewayInFrontOf(t, new FakeOpenAIUpstream(), (fake) => ({ AUTH_TOKEN: ADMIN, OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: fake.url }));

interface LoggedCall {
  endpoint: string;
  model: string;
  status: number;
  usage: Record<string, unknown>;
  cost_usd: number | null;
}

async function loggedCall(gw: RunningGateway, model: string): Promise<LoggedCall> {
  let records: LoggedCall[] = [];
  await waitFor(async () => {
    records = (await adminApi(gw, ADMIN).get<{ data: LoggedCall[] }>(`/admin/api/logs?model=${encodeURIComponent(model)}`)).body.data;
    return records.length > 0;
  }, `a log record for ${model}`);
  return records[0]!;
}

const post = (gw: RunningGateway, route: string, body: string | Buffer, contentType: string) =>
  fetch(`${gw.baseURL}${route}`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': contentType }, body });

/** Mono 16-bit PCM at 24 kHz: a ramp, so that every byte matters. */
const pcmSamples = (count: number) => {
  const pcm = Buffer.alloc(count * 2);
  for (let index = 0; index < count; index += 1) pcm.writeInt16LE(((index * 97) % 65536) - 32768, index * 2);
  return pcm;
};

/** A WAV file as a client would upload it. */
function wavFile(pcm: Buffer, rate = 16_000): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

const geminiAnswer = (parts: Record<string, unknown>[], usageMetadata: Record<string, unknown>) => ({
  kind: 'response' as const,
  body: { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata, modelVersion: 'fake', responseId: 'media0001' },
});

test('Imagen: n=2 and a 16:9 size become sampleCount and aspectRatio; both predictions come back as b64_json, priced per image', async (t) => {
  const { fake, gw } = await geminiGateway(t);
  const { data: images, response } = await gw.client().images.generate({ model: 'imagen-4.0-generate-001', prompt: 'a lighthouse at dusk', n: 2, size: '1792x1024' }).withResponse();
  t.deepEqual(fake.last.body, { instances: [{ prompt: 'a lighthouse at dusk' }], parameters: { sampleCount: 2, aspectRatio: '16:9' } });
  t.is(fake.last.path, '/v1beta/models/imagen-4.0-generate-001:predict');
  t.is(fake.last.headers['x-goog-api-key'], GEMINI_KEY);
  t.deepEqual(
    images.data!.map((image) => Buffer.from(image.b64_json!, 'base64')),
    [fakePng('a lighthouse at dusk', 0), fakePng('a lighthouse at dusk', 1)],
  );
  t.is(typeof images.created, 'number');
  // $0.04 an image.
  t.is(response.headers.get('x-gateway-cost'), '0.080000000');
  const logged = await loggedCall(gw, 'imagen-4.0-generate-001');
  t.is(logged.endpoint, 'images');
  t.like(logged.usage, { images: 2, image_size: '1792x1024' });
  t.is(logged.cost_usd, 0.08);
});

test('a Gemini image model: responseModalities TEXT and IMAGE; its inline image is the result, its words the revised prompt', async (t) => {
  const { fake, gw } = await geminiGateway(t);
  const png = fakePng('otter', 7);
  fake.script = () =>
    geminiAnswer([{ text: 'Here is your otter.' }, { inlineData: { mimeType: 'image/png', data: png.toString('base64') } }], {
      promptTokenCount: 6,
      candidatesTokenCount: 1296,
      totalTokenCount: 1302,
      candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 6 }, { modality: 'IMAGE', tokenCount: 1290 }],
    });
  const { data: images, response } = await gw.client().images.generate({ model: 'gemini-2.5-flash-image', prompt: 'an otter', size: '1024x1024' }).withResponse();
  t.deepEqual(fake.last.body, {
    contents: [{ role: 'user', parts: [{ text: 'an otter' }] }],
    generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '1:1' } },
  });
  t.is(images.data!.length, 1);
  t.deepEqual(Buffer.from(images.data![0]!.b64_json!, 'base64'), png);
  t.is(images.data![0]!.revised_prompt, 'Here is your otter.');
  t.deepEqual(images.usage, { input_tokens: 6, output_tokens: 1296, total_tokens: 1302 } as unknown as typeof images.usage);
  // $0.30 input, $2.50 text output, $30 image output per million.
  t.is(Number(response.headers.get('x-gateway-cost')), Number(((6 * 0.3 + 6 * 2.5 + 1290 * 30) / 1e6).toFixed(9)));
});

test('response_format url: the image is kept under an unguessable name and the gateway serves the same bytes', async (t) => {
  const { gw } = await geminiGateway(t, { PUBLIC_BASE_URL: 'http://placeholder.invalid' });
  const images = await gw.client().images.generate({ model: 'imagen-4.0-generate-001', prompt: 'a red kite', n: 1, response_format: 'url' });
  const url = images.data![0]!.url!;
  t.regex(url, /^http:\/\/placeholder\.invalid\/v1\/images\/files\/[0-9a-f]{32}\.png$/);
  t.is(images.data![0]!.b64_json, undefined);
  const served = await fetch(`${gw.url}${new URL(url).pathname}`);
  t.is(served.status, 200);
  t.is(served.headers.get('content-type'), 'image/png');
  t.deepEqual(Buffer.from(await served.arrayBuffer()), fakePng('a red kite', 0));
  t.is((await fetch(`${gw.url}/v1/images/files/${'0'.repeat(32)}.png`)).status, 404);
  t.is((await fetch(`${gw.url}/v1/images/files/..%2F..%2Fpackage.json`)).status, 404);
});

test('without PUBLIC_BASE_URL an image URL is on the address the request came to', async (t) => {
  const { gw } = await geminiGateway(t);
  const images = await gw.client().images.generate({ model: 'imagen-4.0-generate-001', prompt: 'a kite', response_format: 'url' });
  t.true(images.data![0]!.url!.startsWith(`${gw.url}/v1/images/files/`));
  t.is((await fetch(images.data![0]!.url!)).status, 200);
});

test('speech from a Gemini TTS model: the OpenAI voice mapped, the PCM wrapped in a WAV header that matches it', async (t) => {
  const { fake, gw } = await geminiGateway(t);
  const pcm = pcmSamples(12_000);
  fake.script = () =>
    geminiAnswer([{ inlineData: { mimeType: 'audio/L16;codec=pcm;rate=24000', data: pcm.toString('base64') } }], {
      promptTokenCount: 4,
      candidatesTokenCount: 13,
      totalTokenCount: 17,
      candidatesTokensDetails: [{ modality: 'AUDIO', tokenCount: 13 }],
    });
  const response = await gw.client().audio.speech.create({ model: 'gemini-2.5-flash-preview-tts', voice: 'alloy', input: 'Hello there', instructions: 'Say cheerfully', response_format: 'wav' });
  t.deepEqual(fake.last.body, {
    contents: [{ role: 'user', parts: [{ text: 'Say cheerfully\n\nHello there' }] }],
    generationConfig: { responseModalities: ['AUDIO'], speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Kore' } } } },
  });
  t.is(response.headers.get('content-type'), 'audio/wav');
  const wav = Buffer.from(await response.arrayBuffer());
  t.is(wav.toString('ascii', 0, 4), 'RIFF');
  t.is(wav.readUInt32LE(4), wav.length - 8);
  t.is(wav.toString('ascii', 8, 16), 'WAVEfmt ');
  t.is(wav.readUInt16LE(20), 1, 'PCM');
  t.is(wav.readUInt16LE(22), 1, 'mono');
  t.is(wav.readUInt32LE(24), 24_000, 'the rate Gemini named');
  t.is(wav.readUInt32LE(28), 48_000, 'bytes a second');
  t.is(wav.readUInt16LE(32), 2, 'block align');
  t.is(wav.readUInt16LE(34), 16, 'bits a sample');
  t.is(wav.toString('ascii', 36, 40), 'data');
  t.is(wav.readUInt32LE(40), pcm.length);
  t.deepEqual(wav.subarray(44), pcm);

  const logged = await loggedCall(gw, 'gemini-2.5-flash-preview-tts');
  t.is(logged.endpoint, 'speech');
  t.like(logged.usage, { prompt_tokens: 4, completion_tokens: 13, audio_seconds: 0.5, characters: 11 });
  // $0.50 text in, $10 audio out per million.
  t.is(logged.cost_usd, Number(((4 * 0.5 + 13 * 10) / 1e6).toFixed(9)));
});

test('speech: a Gemini voice name is used as it is; pcm comes back raw; no format asked gives MP3, as OpenAI does', async (t) => {
  const { fake, gw } = await geminiGateway(t);
  const pcm = pcmSamples(100);
  fake.script = () => geminiAnswer([{ inlineData: { mimeType: 'audio/L16;codec=pcm;rate=24000', data: pcm.toString('base64') } }], { promptTokenCount: 2, totalTokenCount: 2 });
  const raw = await gw.client().audio.speech.create({ model: 'gemini-2.5-flash-preview-tts', voice: 'puck' as 'alloy', input: 'Hi', response_format: 'pcm' });
  t.is((fake.last.body!.generationConfig as { speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: string } } } }).speechConfig.voiceConfig.prebuiltVoiceConfig.voiceName, 'Puck');
  t.is(raw.headers.get('content-type'), 'audio/pcm');
  t.deepEqual(Buffer.from(await raw.arrayBuffer()), pcm);
  const byDefault = await post(gw, '/audio/speech', JSON.stringify({ model: 'gemini-2.5-flash-preview-tts', voice: 'nova', input: 'Hi' }), 'application/json');
  t.is(byDefault.headers.get('content-type'), 'audio/mpeg');
  t.deepEqual(mp3FrameSync(Buffer.from(await byDefault.arrayBuffer())), [0xff, 0xe0]);
});

/** The first two bytes of an MP3 stream, masked to the 11-bit frame sync. */
const mp3FrameSync = (bytes: Buffer) => [bytes[0], bytes[1]! & 0xe0];

test('speech as mp3 through the SDK: MPEG audio frames at the PCM’s rate, as long as the PCM', async (t) => {
  const { fake, gw } = await geminiGateway(t);
  const pcm = pcmSamples(48_000);
  fake.script = () => geminiAnswer([{ inlineData: { mimeType: 'audio/L16;codec=pcm;rate=24000', data: pcm.toString('base64') } }], { promptTokenCount: 2, totalTokenCount: 2 });
  const response = await gw.client().audio.speech.create({ model: 'gemini-2.5-flash-preview-tts', voice: 'alloy', input: 'Two seconds', response_format: 'mp3' });
  t.is(response.headers.get('content-type'), 'audio/mpeg');
  const mp3 = Buffer.from(await response.arrayBuffer());
  t.deepEqual(mp3FrameSync(mp3), [0xff, 0xe0]);
  const frames = mp3Frames(mp3);
  t.is(frames.sampleRate, 24_000);
  // 2 s of PCM; the encoder adds its delay and pads the last frame: a few frames (24 ms each) more at most.
  t.true(frames.seconds >= 2 && frames.seconds < 2.2, `${frames.seconds} s`);
  t.true(mp3.length < pcm.length / 4, 'compressed');
});

test('gemini-balance’s speech defaults: no model takes TTS_MODEL, no voice TTS_VOICE_NAME; TTS_SPEED asks for the pace before the client’s instructions', async (t) => {
  const { fake, gw } = await geminiGateway(t, { TTS_VOICE_NAME: 'Charon', TTS_SPEED: 'slow' });
  fake.script = () => geminiAnswer([{ inlineData: { mimeType: 'audio/L16;codec=pcm;rate=24000', data: pcmSamples(10).toString('base64') } }], { promptTokenCount: 2, totalTokenCount: 2 });
  const response = await post(gw, '/audio/speech', JSON.stringify({ input: 'Hello', instructions: 'Whisper.', response_format: 'wav' }), 'application/json');
  t.is(response.status, 200);
  t.is(fake.last.path, '/v1beta/models/gemini-2.5-flash-preview-tts:generateContent', 'TTS_MODEL by default');
  t.deepEqual(fake.last.body, {
    contents: [{ role: 'user', parts: [{ text: 'Speak in a slow speed voice. Whisper.\n\nHello' }] }],
    generationConfig: { responseModalities: ['AUDIO'], speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Charon' } } } },
  });
  await gw.client().audio.speech.create({ model: 'gemini-2.5-flash-preview-tts', voice: 'alloy', input: 'Hi', response_format: 'pcm' });
  t.is((fake.last.body!.contents as { parts: { text: string }[] }[])[0]!.parts[0]!.text, 'Speak in a slow speed voice.\n\nHi', 'a named voice wins; the pace is still asked');
  t.is((fake.last.body!.generationConfig as { speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: string } } } }).speechConfig.voiceConfig.prebuiltVoiceConfig.voiceName, 'Kore');
});

test('transcription: the SDK uploads a file, Gemini gets it as inline audio after the instruction, and the text comes back', async (t) => {
  const { fake, gw } = await geminiGateway(t);
  const audio = wavFile(pcmSamples(8_000));
  fake.script = () => geminiAnswer([{ text: 'Galileo was an American robotic space program.' }], { promptTokenCount: 40, candidatesTokenCount: 9, totalTokenCount: 49 });
  const transcript = await gw.client().audio.transcriptions.create({ file: await toFile(audio, 'probe.wav', { type: 'audio/wav' }), model: 'gemini-2.5-flash', language: 'en', prompt: 'Galileo, Jupiter' });
  t.is(transcript.text, 'Galileo was an American robotic space program.');
  const parts = (fake.last.body!.contents as { parts: { text?: string; inlineData?: { mimeType: string; data: string } }[] }[])[0]!.parts;
  t.regex(parts[0]!.text!, /^Transcribe this audio verbatim/);
  t.regex(parts[0]!.text!, /"en"/);
  t.regex(parts[0]!.text!, /Galileo, Jupiter/);
  t.is(parts[1]!.inlineData!.mimeType, 'audio/wav');
  t.is(parts[1]!.inlineData!.data, audio.toString('base64'), 'the file, byte for byte');
  const logged = await loggedCall(gw, 'gemini-2.5-flash');
  t.is(logged.endpoint, 'transcriptions');
  t.like(logged.usage, { prompt_tokens: 40, audio_seconds: 0.5 });
});

test('transcription as srt and vtt: Gemini is asked for timed segments; without them one cue spans the audio', async (t) => {
  const { fake, gw } = await geminiGateway(t);
  const audio = wavFile(pcmSamples(32_000));
  fake.script = () => geminiAnswer([{ text: JSON.stringify({ segments: [{ start: 0, end: 1.25, text: 'Hello' }, { start: 1.25, end: 2, text: 'world' }] }) }], { promptTokenCount: 5, totalTokenCount: 5 });
  const srt = await gw.client().audio.transcriptions.create({ file: await toFile(audio, 'a.wav'), model: 'gemini-2.5-flash', response_format: 'srt' });
  t.is(srt as unknown as string, '1\n00:00:00,000 --> 00:00:01,250\nHello\n\n2\n00:00:01,250 --> 00:00:02,000\nworld\n');
  t.is((fake.last.body!.generationConfig as { responseMimeType: string }).responseMimeType, 'application/json');

  fake.script = () => geminiAnswer([{ text: 'Hello world' }], { promptTokenCount: 5, totalTokenCount: 5 });
  const vtt = await gw.client().audio.transcriptions.create({ file: await toFile(audio, 'a.wav'), model: 'gemini-2.5-flash', response_format: 'vtt' });
  t.is(vtt as unknown as string, 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello world\n', 'one cue over the 2 s the WAV header says');
  const text = await gw.client().audio.transcriptions.create({ file: await toFile(audio, 'a.wav'), model: 'gemini-2.5-flash', response_format: 'text' });
  t.is(text as unknown as string, 'Hello world\n');
});

test('OpenAI passes through byte for byte: image generation, speech, transcription and image edits', async (t) => {
  const { fake, gw } = await openAIGateway(t);
  const imageBody = JSON.stringify({ model: 'dall-e-3', prompt: 'a sea otter', n: 2, size: '1792x1024' });
  const image = await post(gw, '/images/generations', imageBody, 'application/json');
  t.is(fake.last.path, '/v1/images/generations');
  t.is(fake.last.rawBody, imageBody);
  t.is(fake.last.headers.authorization, `Bearer ${OPENAI_KEY}`);
  t.is(await image.text(), JSON.stringify(JSON.parse(readFixture('openai/openai-image.json'))));
  // $0.08 an image at 1792x1024.
  t.is(image.headers.get('x-gateway-cost'), null, 'a passed-through answer carries no cost header');
  t.is((await loggedCall(gw, 'dall-e-3')).cost_usd, 0.16);

  const speech = await gw.client().audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello there, otter.' });
  t.is(speech.headers.get('content-type'), 'audio/mpeg');
  t.deepEqual(Buffer.from(await speech.arrayBuffer()), fake.speechBytes, 'binary bytes untouched');
  t.is(fake.last.path, '/v1/audio/speech');
  // $15 per million characters.
  t.is((await loggedCall(gw, 'tts-1')).cost_usd, Number(((19 * 15) / 1e6).toFixed(9)));

  const boundary = '----client-boundary-1234';
  const upload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\nContent-Type: audio/mpeg\r\n\r\n`),
    fake.speechBytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const transcription = await post(gw, '/audio/transcriptions', upload, `multipart/form-data; boundary=${boundary}`);
  t.deepEqual(fake.last.rawBytes, upload, 'the multipart bytes as the client sent them');
  t.is(fake.last.headers['content-type'], `multipart/form-data; boundary=${boundary}`);
  t.deepEqual(await transcription.json(), { text: JSON.parse(readFixture('openai/openai-transcription.json')).text, usage: { type: 'duration', seconds: 37 } });
  // whisper-1 reports 37 seconds: $0.006 a minute.
  const whisper = await loggedCall(gw, 'whisper-1');
  t.like(whisper.usage, { audio_seconds: 37 });
  t.is(whisper.cost_usd, 0.0037);

  const sdk = await gw.client().audio.transcriptions.create({ file: await toFile(fake.speechBytes, 'b.mp3'), model: 'whisper-1', response_format: 'text' });
  t.is(sdk as unknown as string, `${JSON.parse(readFixture('openai/openai-transcription.json')).text}\n`);

  const edit = await gw.client().images.edit({ model: 'gpt-image-1', image: await toFile(fakePng('x', 0), 'in.png', { type: 'image/png' }), prompt: 'add a hat' });
  t.is(fake.last.path, '/v1/images/edits');
  t.true(fake.last.rawBytes.includes(fakePng('x', 0)));
  t.deepEqual(edit.data, JSON.parse(readFixture('openai/openai-image-edit.json')).data);
});

test('gpt-image-1 is priced by the tokens it reports', async (t) => {
  const { gw } = await openAIGateway(t);
  await gw.client().images.generate({ model: 'gpt-image-1', prompt: 'a sea otter' });
  // $5 text in, $40 image out per million.
  t.is((await loggedCall(gw, 'gpt-image-1')).cost_usd, Number(((50 * 5 + 4160 * 40) / 1e6).toFixed(9)));
});

test('bad input is a 400 in OpenAI’s shape: no prompt, an unknown size, a format Gemini cannot give, an unknown voice, an unsupported model', async (t) => {
  const { fake, gw } = await geminiGateway(t);
  const client = gw.client();
  const status = async (call: Promise<unknown>) => {
    const error = (await t.throwsAsync(call)) as unknown as { status: number; error: { message: string; param: string | null; type: string } };
    t.is(error.error.type, 'invalid_request_error');
    return { status: error.status, message: error.error.message, param: error.error.param };
  };
  t.like(await status(client.images.generate({ model: 'imagen-4.0-generate-001' } as never)), { status: 400, param: 'prompt' });
  const size = await status(client.images.generate({ model: 'imagen-4.0-generate-001', prompt: 'x', size: '512x512' }));
  t.like(size, { status: 400, param: 'size' });
  t.regex(size.message, /1024x1024, 1792x1024, 1024x1792/);
  t.like(await status(client.images.generate({ model: 'imagen-4.0-generate-001', prompt: 'x', n: 5 })), { status: 400, param: 'n' });
  t.like(await status(client.images.generate({ model: 'gemini-2.5-flash-image', prompt: 'x', n: 2 })), { status: 400, param: 'n' });
  const opus = await status(client.audio.speech.create({ model: 'gemini-2.5-flash-preview-tts', voice: 'alloy', input: 'Hi', response_format: 'opus' }));
  t.like(opus, { status: 400, param: 'response_format' });
  t.regex(opus.message, /mp3, wav, pcm/);
  t.like(await status(client.audio.speech.create({ model: 'gemini-2.5-flash-preview-tts', voice: 'nobody' as 'alloy', input: 'Hi' })), { status: 400, param: 'voice' });
  t.like(await status(client.audio.speech.create({ model: 'gemini-2.5-flash-preview-tts', voice: 'alloy', input: '' })), { status: 400, param: 'input' });
  t.like(await status(client.images.edit({ model: 'gemini-2.5-flash-image', image: await toFile(fakePng('x', 0), 'in.png'), prompt: 'hat' })), { status: 400, param: 'model' });
  t.like(await status(client.audio.transcriptions.create({ model: 'gemini-2.5-flash', file: await toFile(Buffer.from('x'), 'notes.txt', { type: 'text/plain' }) })), { status: 400, param: 'file' });
  const json = await post(gw, '/audio/transcriptions', JSON.stringify({ model: 'gemini-2.5-flash' }), 'application/json');
  t.is(json.status, 400);
  t.is(((await json.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
  t.is(fake.calls.length, 0, 'nothing reached the upstream');
});

test('a chat answer with an inline image: a markdown data URL by default, a served link with CHAT_IMAGE_FORMAT=url', async (t) => {
  const png = fakePng('chat', 1);
  const answer = () => geminiAnswer([{ text: 'Look: ' }, { inlineData: { mimeType: 'image/png', data: png.toString('base64') } }], { promptTokenCount: 3, totalTokenCount: 3 });
  const inline = await geminiGateway(t);
  inline.fake.script = answer;
  const first = await inline.gw.client().chat.completions.create({ model: 'gemini-2.5-flash-image', messages: [{ role: 'user', content: 'draw' }] });
  t.is(first.choices[0]!.message.content, `Look: ![image](data:image/png;base64,${png.toString('base64')})`);

  const linked = await geminiGateway(t, { CHAT_IMAGE_FORMAT: 'url' });
  linked.fake.script = answer;
  const second = await linked.gw.client().chat.completions.create({ model: 'gemini-2.5-flash-image', messages: [{ role: 'user', content: 'draw' }] });
  const link = /^Look: !\[image\]\((\/v1\/images\/files\/[0-9a-f]{32}\.png)\)$/.exec(second.choices[0]!.message.content ?? '');
  t.truthy(link, second.choices[0]!.message.content ?? '');
  t.deepEqual(Buffer.from(await (await fetch(`${linked.gw.url}${link![1]}`)).arrayBuffer()), png);
});

test('an upload over MAX_REQUEST_BODY_SIZE is a 413 before it reaches the upstream', async (t) => {
  const { fake, gw } = await geminiGateway(t, { MAX_REQUEST_BODY_SIZE: '2kb' });
  const error = (await t.throwsAsync(gw.client().audio.transcriptions.create({ file: await toFile(Buffer.alloc(4096), 'big.wav'), model: 'gemini-2.5-flash' }))) as unknown as { status: number };
  t.is(error.status, 413);
  t.is(fake.calls.length, 0);
});
