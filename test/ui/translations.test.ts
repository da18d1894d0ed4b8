import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The UI is built by Vite, not by the server's TypeScript, so its sources are read as text here.
const UI = fileURLToPath(new URL('../../../src/ui/', import.meta.url));

const sources = (directory: string): string[] =>
  readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(directory, entry.name)) : /\.tsx?$/.test(entry.name) ? [join(directory, entry.name)] : [],
  );

test('every text the console and the playground show in English has its Chinese', (t) => {
  const zh = readFileSync(join(UI, 'shared/zh.ts'), 'utf8');
  const translated = new Set([...zh.matchAll(/^\s+(?:'((?:[^'\\]|\\.)*)'|(\w+)):/gm)].map((match) => match[1] ?? match[2]));
  const shown = new Set<string>();
  for (const file of sources(UI)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\bt\(\s*'((?:[^'\\]|\\.)*)'/g)) shown.add(match[1]!);
    // Labels kept in tables and passed to t() later: ['rpm', 'Requests per minute'], { title: 'Dashboard' }.
    for (const match of text.matchAll(/\[\s*'[\w-]+',\s*'([A-Z][^']*)'\s*\]|title: '([A-Z][^']*)'/g)) shown.add((match[1] ?? match[2])!);
  }
  t.true(shown.size > 150, String(shown.size));
  t.deepEqual([...shown].filter((english) => !translated.has(english)), []);
});
