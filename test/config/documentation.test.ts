import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { envSchema } from '../../src/config/schema.js';
import { PROVIDER_DEFINITIONS } from '../../src/providers/registry.js';

const root = (path: string) => readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8');

const variables = [...Object.keys(envSchema(Object.values(PROVIDER_DEFINITIONS)).shape), 'ENV_FILE'];

test('.env.example documents every variable the gateway reads', (t) => {
  const example = root('.env.example');
  for (const name of variables) t.regex(example, new RegExp(`^#? ?${name}=`, 'm'), name);
});

test('both READMEs mention every variable', (t) => {
  for (const readme of ['README.md', 'README.zh-CN.md']) {
    const text = root(readme);
    for (const name of variables) t.true(text.includes(`\`${name}\``), `${readme}: ${name}`);
  }
});

test('.env.example is itself a valid configuration', async (t) => {
  const { parseEnv } = await import('node:util');
  const { loadConfig } = await import('../../src/config/load.js');
  t.notThrows(() => loadConfig(parseEnv(root('.env.example')), PROVIDER_DEFINITIONS));
});
