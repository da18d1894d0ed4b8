import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfigFilePath } from '../../../src/config/file/index.js';

test('CONFIG_FILE names the file, relative to the working directory; else gateway.yaml when it exists', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-config-path-'));
  t.is(resolveConfigFilePath({ CONFIG_FILE: 'conf/model-config.json' }, dir), join(dir, 'conf/model-config.json'));
  t.is(resolveConfigFilePath({ CONFIG_FILE: '/etc/gateway.yaml' }, dir), '/etc/gateway.yaml');
  t.is(resolveConfigFilePath({}, dir), undefined);
  writeFileSync(join(dir, 'gateway.yaml'), 'routes: {}\n');
  t.is(resolveConfigFilePath({ CONFIG_FILE: '  ' }, dir), join(dir, 'gateway.yaml'));
});
