import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One built file of the console or the playground, with the compressed forms the build made of it. */
export interface ConsoleAsset {
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
  type: string;
  etag: string;
  /** Files named by their content's hash never change: cached for a year. */
  immutable: boolean;
}

/** Where `npm run build` puts the UI (`vite build`, then `scripts/compress-ui`): dist/ui beside dist/src. */
export const UI_DIRECTORY = fileURLToPath(new URL('../../ui/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

function* filesUnder(directory: string): Generator<string> {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

/**
 * The built UI, read into memory once (a few hundred KB): URL path (`/ui/assets/console-3f2a.js`,
 * `/ui/console/index.html`) → the file and its `.br` / `.gz` siblings. Empty when the UI was not built.
 */
export function loadConsoleAssets(directory = UI_DIRECTORY): Map<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  if (!existsSync(directory)) return assets;
  const files = [...filesUnder(directory)];
  const present = new Set(files);
  for (const path of files) {
    const type = TYPES[extname(path)];
    if (type === undefined) continue;
    const body = readFileSync(path);
    const sibling = (suffix: string) => (present.has(path + suffix) ? readFileSync(path + suffix) : undefined);
    const asset: ConsoleAsset = {
      body,
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`,
      immutable: relative(directory, path).startsWith('assets'),
    };
    const br = sibling('.br');
    const gzip = sibling('.gz');
    if (br) asset.br = br;
    if (gzip) asset.gzip = gzip;
    assets.set(`/ui/${relative(directory, path).split('\\').join('/')}`, asset);
  }
  return assets;
}
