import test from 'ava';
import { GatewayError } from '../../../src/core/errors.js';
import { fromImagenResponse, imagesOfAnswer, toImagenRequest, toImageModelRequest } from '../../../src/providers/gemini/images.js';
import { audioOfAnswer, geminiVoice, OPENAI_TO_GEMINI_VOICE, toSpeechRequest } from '../../../src/providers/gemini/speech.js';
import { toTranscriptionRequest, transcriptOfAnswer } from '../../../src/providers/gemini/transcription.js';

const answer = (parts: Record<string, unknown>[]) => ({ candidates: [{ content: { role: 'model', parts: parts as never } }] });

test('Imagen: prompt, sampleCount and aspect ratio; more than 4 is a 400; filtered predictions are left out', (t) => {
  t.deepEqual(toImagenRequest('a cat', 3, '9:16'), { instances: [{ prompt: 'a cat' }], parameters: { sampleCount: 3, aspectRatio: '9:16' } });
  t.deepEqual(toImagenRequest('a cat', 1, undefined), { instances: [{ prompt: 'a cat' }], parameters: { sampleCount: 1 } });
  t.throws(() => toImagenRequest('a cat', 5, undefined), { instanceOf: GatewayError, message: /at most 4/ });
  t.deepEqual(fromImagenResponse({ predictions: [{ bytesBase64Encoded: 'AAA=', mimeType: 'image/jpeg' }, { raiFilteredReason: 'filtered' }, { bytesBase64Encoded: 'BBB=' }] }), [
    { mimeType: 'image/jpeg', base64: 'AAA=' },
    { mimeType: 'image/png', base64: 'BBB=' },
  ]);
});

test('Gemini image models: one image a call, its text as the revised prompt, thoughts left out', (t) => {
  t.deepEqual(toImageModelRequest('a dog', 1, 'gemini-2.5-flash-image', '4:3').generationConfig, { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '4:3' } });
  t.throws(() => toImageModelRequest('a dog', 2, 'gemini-2.5-flash-image', undefined), { instanceOf: GatewayError });
  const images = imagesOfAnswer(answer([{ text: 'planning', thought: true }, { text: 'A dog.' }, { inlineData: { mimeType: 'image/png', data: 'QUJD' } }, { inlineData: { mimeType: 'audio/wav', data: 'x' } }]));
  t.deepEqual(images, [{ mimeType: 'image/png', base64: 'QUJD', revisedPrompt: 'A dog.' }]);
});

test('speech: OpenAI voices are mapped (every one), Gemini voices kept in any case, others refused; audio parts joined', (t) => {
  for (const voice of ['alloy', 'echo', 'fable', 'onyx', 'nova', 'shimmer', 'ash', 'ballad', 'coral', 'sage', 'verse']) t.truthy(OPENAI_TO_GEMINI_VOICE[voice], voice);
  t.is(geminiVoice('alloy'), 'Kore');
  t.is(geminiVoice('CHARON'), 'Charon');
  t.throws(() => geminiVoice('robot'), { instanceOf: GatewayError, message: /Unknown voice 'robot'/ });
  t.deepEqual(toSpeechRequest('Hi', 'nova', undefined).contents, [{ role: 'user', parts: [{ text: 'Hi' }] }]);
  const joined = audioOfAnswer(answer([{ inlineData: { mimeType: 'audio/L16;codec=pcm;rate=24000', data: Buffer.from([1, 2]).toString('base64') } }, { inlineData: { mimeType: 'audio/L16;codec=pcm;rate=24000', data: Buffer.from([3]).toString('base64') } }]));
  t.deepEqual(joined, { pcm: Buffer.from([1, 2, 3]), mimeType: 'audio/L16;codec=pcm;rate=24000' });
  t.is(audioOfAnswer(answer([{ text: 'no audio' }])), undefined);
});

test('transcription: the instruction carries language and prompt; timed segments are asked as JSON and read back, or not', (t) => {
  const request = toTranscriptionRequest({ audio: Buffer.from('RIFF'), mimeType: 'audio/wav', language: 'fr', prompt: 'Molière', timestamps: true });
  const parts = request.contents[0]!.parts;
  t.regex(parts[0]!.text!, /verbatim[\s\S]*"fr"[\s\S]*Molière[\s\S]*start and end time/);
  t.deepEqual(parts[1], { inlineData: { mimeType: 'audio/wav', data: Buffer.from('RIFF').toString('base64') } });
  t.is(request.generationConfig?.responseMimeType, 'application/json');
  t.is(toTranscriptionRequest({ audio: Buffer.alloc(1), mimeType: 'audio/mp3', language: undefined, prompt: undefined, timestamps: false }).generationConfig, undefined);

  const timed = transcriptOfAnswer(answer([{ text: '{"segments":[{"start":0,"end":1,"text":" Bonjour "},{"start":1,"end":0.5,"text":"monde"}]}' }]), true);
  t.deepEqual(timed, { text: 'Bonjour monde', segments: [{ start: 0, end: 1, text: 'Bonjour' }, { start: 1, end: 1, text: 'monde' }] });
  t.deepEqual(transcriptOfAnswer(answer([{ text: 'Bonjour monde' }]), true), { text: 'Bonjour monde', segments: undefined });
  t.deepEqual(transcriptOfAnswer(answer([{ text: ' Bonjour ' }]), false), { text: 'Bonjour', segments: undefined });
});
