import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';

// The shape of the house, checked on the source: which folders may import which, and who may read the Koa context.

const SRC = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Each source file (relative to src/) with the src-relative files it imports. */
const graph = sourceFiles(SRC).map((file) => {
  const text = readFileSync(file, 'utf8');
  const imports = [...text.matchAll(IMPORT)].map((match) => path.relative(SRC, path.resolve(path.dirname(file), match[1] ?? match[2]!)));
  return { file: path.relative(SRC, file), text, imports };
});

const inFolder = (relative: string, folder: string) => relative === folder || relative.startsWith(`${folder}/`);

function importsAcross(from: string, forbidden: readonly string[]): string[] {
  return graph.flatMap(({ file, imports }) =>
    inFolder(file, from) ? imports.filter((target) => forbidden.some((folder) => inFolder(target, folder))).map((target) => `${file} → ${target}`) : [],
  );
}

test('the source tree is found and its imports are read', (t) => {
  t.true(graph.length > 100);
  t.true(graph.some(({ file, imports }) => file === 'app.ts' && imports.some((target) => inFolder(target, 'http'))));
});

test('providers never import http/, access/, keys/ or routing/: a provider gets a key and a request, nothing more', (t) => {
  t.deepEqual(importsAcross('providers', ['http', 'access', 'keys', 'routing', 'calls', 'protocols']), []);
});

test('config/ does not import providers/: each provider folder owns its facts and is handed to the config', (t) => {
  t.deepEqual(importsAcross('config', ['providers']), []);
});

test('client protocols never import http/: they read a wire request and write replies, without Koa', (t) => {
  t.deepEqual(importsAcross('protocols', ['http']), []);
  t.deepEqual(importsAcross('calls', ['http']), []);
});

test('nothing outside http/ reads or writes the Koa context state', (t) => {
  const readers = graph.filter(({ file, text }) => !inFolder(file, 'http') && /\bctx\.state\b|\.state\.(?:caller|call|error|requestId)\b/.test(text));
  t.deepEqual(
    readers.map(({ file }) => file),
    [],
  );
});

test('prom-client is used in metrics/ only: other parts count through observer interfaces', (t) => {
  const users = graph.filter(({ text }) => /from\s+['"]prom-client['"]/.test(text)).map(({ file }) => file);
  t.true(users.length > 0);
  t.deepEqual(
    users.filter((file) => !inFolder(file, 'metrics')),
    [],
  );
});
