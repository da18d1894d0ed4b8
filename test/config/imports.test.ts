import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Every TypeScript file under `folder`, with the repository-relative folders its relative imports reach. */
function importsUnder(folder: string): { file: string; target: string }[] {
  const found: { file: string; target: string }[] = [];
  for (const entry of readdirSync(join(root, folder), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    for (const match of readFileSync(path, 'utf8').matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)) {
      found.push({ file: relative(root, path), target: relative(root, resolve(entry.parentPath, match[1]!)) });
    }
  }
  return found;
}

test('configuration knows no provider: each provider declares its own variables', (t) => {
  const imports = importsUnder('src/config');
  t.true(imports.length > 0);
  t.deepEqual(imports.filter(({ target }) => target.startsWith('src/providers')), []);
});

test('providers reach no further than core, upstream and configuration types', (t) => {
  const imports = importsUnder('src/providers');
  t.true(imports.length > 0);
  const outside = imports.filter(({ target }) => /^src\/(http|access|keys|routing)\//.test(target));
  t.deepEqual(outside, []);
});
