import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes `text` as a gateway.yaml in a fresh temporary folder and returns its path (for CONFIG_FILE). */
export function writeConfigFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'llmgw-config-')), 'gateway.yaml');
  writeFileSync(path, text);
  return path;
}
