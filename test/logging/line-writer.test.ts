import { closeSync, mkdtempSync, openSync, readFileSync, write } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { LineWriter } from '../../src/logging/line-writer.js';

function tempFile(): { fd: number; read: () => string; close: () => void } {
  const path = join(mkdtempSync(join(tmpdir(), 'line-writer-')), 'out.log');
  const fd = openSync(path, 'w');
  return { fd, read: () => readFileSync(path, 'utf8'), close: () => closeSync(fd) };
}

const flushed = (writer: LineWriter) => new Promise<void>((resolve) => writer.flush(() => resolve()));

test('lines written in one burst arrive in order, in one write', async (t) => {
  const file = tempFile();
  let writes = 0;
  const writer = new LineWriter(file.fd, (fd, data, callback) => {
    writes += 1;
    if (typeof data === 'string') write(fd, data, callback);
    else write(fd, data, callback);
  });
  const lines = Array.from({ length: 1000 }, (_, index) => `{"n":${index},"text":"ünïcode ${index}"}\n`);
  for (const line of lines) writer.write(line);
  t.is(file.read(), '', 'nothing is written before the batch delay');
  await flushed(writer);
  t.is(file.read(), lines.join(''));
  t.is(writes, 1);
  file.close();
});

test('lines arriving while a write is under way go in the next write, after it', async (t) => {
  const file = tempFile();
  const writer = new LineWriter(file.fd);
  writer.write('first\n');
  await new Promise((resolve) => setTimeout(resolve, 30));
  writer.write('second\n');
  writer.write('third\n');
  await flushed(writer);
  t.is(file.read(), 'first\nsecond\nthird\n');
  file.close();
});

test('a partial write is resumed where it stopped, and EAGAIN is waited out', async (t) => {
  const file = tempFile();
  let calls = 0;
  const writer = new LineWriter(file.fd, (fd, data, callback) => {
    calls += 1;
    if (calls === 2) {
      callback(Object.assign(new Error('try again'), { code: 'EAGAIN' }), 0);
      return;
    }
    const buffer = typeof data === 'string' ? Buffer.from(data) : data;
    write(fd, buffer, 0, Math.min(7, buffer.length), null, callback);
  });
  const text = 'a line longer than seven bytes\nand another\n';
  writer.write(text);
  await flushed(writer);
  t.is(file.read(), text);
  t.true(calls > 5);
  file.close();
});

test('flushSync writes what is queued before it returns', (t) => {
  const file = tempFile();
  const writer = new LineWriter(file.fd);
  writer.write('queued 1\n');
  writer.write('queued 2\n');
  writer.flushSync();
  t.is(file.read(), 'queued 1\nqueued 2\n');
  file.close();
});

test('beyond the pending limit lines are dropped and the loss is reported in the log itself', async (t) => {
  const file = tempFile();
  const writer = new LineWriter(file.fd, write, 20);
  writer.write('0123456789\n');
  writer.write('this line does not fit\n');
  writer.write('nor does this one\n');
  await flushed(writer);
  const [kept, report, ...rest] = file.read().split('\n');
  t.is(kept, '0123456789');
  t.like(JSON.parse(report!), { level: 'warn', msg: '2 log lines dropped: the log output did not keep up' });
  t.deepEqual(rest, ['']);
  file.close();
});

test('a descriptor that fails for good does not throw into the process; later lines are still tried, the lost ones not again', async (t) => {
  const attempts: string[] = [];
  const writer = new LineWriter(1, (_fd, data, callback) => {
    attempts.push(String(data));
    callback(Object.assign(new Error('broken pipe'), { code: 'EPIPE' }), 0);
  });
  writer.write('lost\n');
  await flushed(writer);
  writer.write('also lost\n');
  await flushed(writer);
  t.deepEqual(attempts, ['lost\n', 'also lost\n']);
});
