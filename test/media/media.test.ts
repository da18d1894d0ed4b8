import test from 'ava';
import { GatewayError } from '../../src/core/errors.js';
import { encodeMultipart, multipartBoundary, parseMultipart, withField } from '../../src/media/multipart.js';
import { toSrt, toVtt } from '../../src/media/subtitles.js';
import { pcmToMp3 } from '../../src/media/mp3.js';
import { pcmFormatOf, pcmSeconds, pcmToWav, wavSeconds } from '../../src/media/wav.js';
import { mp3Frames } from '../helpers/mp3-frames.js';

const body = (boundary: string, parts: string[]) => Buffer.from(`${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join('')}--${boundary}--\r\n`, 'latin1');

test('multipart: fields, repeated fields and files with their bytes, as the SDKs send them', (t) => {
  const file = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d, 0x41]);
  const raw = Buffer.concat([
    body('b0undary', [
      'Content-Disposition: form-data; name="model"\r\n\r\nwhisper-1',
      'Content-Disposition: form-data; name="timestamp_granularities[]"\r\n\r\nword',
      'Content-Disposition: form-data; name="timestamp_granularities[]"\r\n\r\nsegment',
    ]).subarray(0, -('--b0undary--\r\n'.length)),
    Buffer.from('--b0undary\r\nContent-Disposition: form-data; name="file"; filename="a \\"b\\".wav"\r\nContent-Type: audio/wav\r\n\r\n'),
    file,
    Buffer.from('\r\n--b0undary--\r\n'),
  ]);
  const form = parseMultipart(raw, 'multipart/form-data; boundary=b0undary');
  t.deepEqual(form.fields, { model: 'whisper-1', 'timestamp_granularities[]': 'segment' });
  t.deepEqual(form.lists['timestamp_granularities[]'], ['word', 'segment']);
  t.is(form.files.file!.filename, 'a "b".wav');
  t.is(form.files.file!.contentType, 'audio/wav');
  t.deepEqual(form.files.file!.data, file);

  const again = encodeMultipart(withField(form, 'model', 'gpt-4o-transcribe'));
  const reparsed = parseMultipart(again.body, again.contentType);
  t.is(reparsed.fields.model, 'gpt-4o-transcribe');
  t.deepEqual(reparsed.lists['timestamp_granularities[]'], ['word', 'segment']);
  t.deepEqual(reparsed.files.file!.data, file);
});

test('multipart: a quoted boundary is read; other content types and broken bodies are 400s', (t) => {
  t.is(multipartBoundary('multipart/form-data; boundary="a b"'), 'a b');
  t.is(multipartBoundary('application/json'), undefined);
  for (const [raw, type] of [
    [Buffer.from('{}'), 'application/json'],
    [Buffer.from('no delimiter here'), 'multipart/form-data; boundary=x'],
    [Buffer.from('--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated'), 'multipart/form-data; boundary=x'],
  ] as const) {
    const error = t.throws(() => parseMultipart(raw, type));
    t.true(error instanceof GatewayError && error.status === 400);
  }
});

test('WAV: the header states rate, channels, bits and length; its duration reads back', (t) => {
  const format = pcmFormatOf('audio/L16;codec=pcm;rate=24000');
  t.deepEqual(format, { sampleRate: 24_000, channels: 1, bitsPerSample: 16 });
  t.deepEqual(pcmFormatOf('audio/L16;rate=16000;channels=2'), { sampleRate: 16_000, channels: 2, bitsPerSample: 16 });
  const pcm = Buffer.alloc(48_000, 7);
  const wav = pcmToWav(pcm, format);
  t.is(wav.length, 44 + pcm.length);
  t.is(wav.readUInt32LE(40), pcm.length);
  t.is(pcmSeconds(pcm.length, format), 1);
  t.is(wavSeconds(wav), 1);
  t.is(wavSeconds(Buffer.from('ID3 not a wav file')), undefined);
});

test('subtitles: SRT numbers its cues with commas, VTT has its header and dots; hours roll over', (t) => {
  const cues = [
    { start: 0, end: 1.5, text: ' Hello ' },
    { start: 3661.001, end: 3662, text: 'later' },
  ];
  t.is(toSrt(cues), '1\n00:00:00,000 --> 00:00:01,500\nHello\n\n2\n01:01:01,001 --> 01:01:02,000\nlater\n');
  t.is(toVtt(cues), 'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello\n\n01:01:01.001 --> 01:01:02.000\nlater\n');
});

test('MP3: 16-bit PCM becomes Layer III frames at its rate, mono or stereo, as long as the PCM; other widths are refused', (t) => {
  const second = Buffer.alloc(24_000 * 2);
  for (let index = 0; index < 24_000; index += 1) second.writeInt16LE(Math.round(8000 * Math.sin(index / 10)), index * 2);
  const mono = mp3Frames(pcmToMp3(second, { sampleRate: 24_000, channels: 1, bitsPerSample: 16 }));
  t.is(mono.sampleRate, 24_000);
  t.true(mono.seconds >= 1 && mono.seconds < 1.2, `${mono.seconds} s`);
  const stereo = mp3Frames(pcmToMp3(second, { sampleRate: 44_100, channels: 2, bitsPerSample: 16 }));
  t.is(stereo.sampleRate, 44_100);
  t.true(stereo.seconds >= 12_000 / 44_100 && stereo.seconds < 12_000 / 44_100 + 0.1, `${stereo.seconds} s`);
  t.throws(() => pcmToMp3(second, { sampleRate: 24_000, channels: 1, bitsPerSample: 24 }), { instanceOf: RangeError });
});
