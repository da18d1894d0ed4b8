/**
 * Compresses the built UI once, at build time (brotli at its best quality, gzip at 9), so the gateway serves each
 * file precompressed without spending CPU per request. Only text files worth it get siblings (`x.js.br`, `x.js.gz`).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const directory = process.argv[2] ?? 'dist/ui';
const COMPRESSIBLE = /\.(html|js|css|svg|json)$/;
const MIN_BYTES = 512;

function* files(path: string): Generator<string> {
  for (const name of readdirSync(path)) {
    const child = join(path, name);
    if (statSync(child).isDirectory()) yield* files(child);
    else yield child;
  }
}

const sizes: string[] = [];
for (const path of files(directory)) {
  if (!COMPRESSIBLE.test(path)) continue;
  const body = readFileSync(path);
  if (body.length < MIN_BYTES) continue;
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  const gzip = gzipSync(body, { level: 9 });
  writeFileSync(`${path}.br`, br);
  writeFileSync(`${path}.gz`, gzip);
  sizes.push(`${path}: ${body.length} B, gzip ${gzip.length} B, brotli ${br.length} B`);
}
console.log(sizes.join('\n'));
