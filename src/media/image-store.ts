import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The path generated images are served under, below the gateway's origin. */
export const IMAGE_FILES_PATH = '/v1/images/files';

const EXTENSIONS: Readonly<Record<string, string>> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif' };
const CONTENT_TYPES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(EXTENSIONS).map(([type, extension]) => [extension, type]));

/** A stored image's name: 32 random hex digits (unguessable) and its extension. */
const STORED_NAME = /^[0-9a-f]{32}\.(png|jpg|webp|gif)$/;

/**
 * Where images generated for `response_format: "url"` (and chat answers with CHAT_IMAGE_FORMAT=url) are kept: a local
 * folder the gateway serves itself under unguessable names (IMAGE_UPLOAD_DIR), never a third-party host. URLs are
 * absolute when PUBLIC_BASE_URL is set, and otherwise built from the origin the request came to.
 */
export class LocalImageStore {
  private ready: Promise<unknown> | undefined;

  constructor(
    readonly directory: string,
    private readonly publicBaseUrl: string | undefined,
  ) {}

  /** Keeps the image and returns the URL it is served at. */
  async save(base64: string, mimeType: string, origin: string): Promise<string> {
    const name = this.newName(mimeType);
    this.ready ??= mkdir(this.directory, { recursive: true });
    await this.ready;
    await writeFile(path.join(this.directory, name), Buffer.from(base64, 'base64'));
    return `${(this.publicBaseUrl ?? origin).replace(/\/+$/, '')}${IMAGE_FILES_PATH}/${name}`;
  }

  /**
   * Keeps an image of a chat answer (CHAT_IMAGE_FORMAT=url) while the answer is converted, which is synchronous: the
   * file is written before the URL is handed out. The URL is relative to the gateway without PUBLIC_BASE_URL.
   */
  saveNow(base64: string, mimeType: string): string {
    const name = this.newName(mimeType);
    mkdirSync(this.directory, { recursive: true });
    writeFileSync(path.join(this.directory, name), Buffer.from(base64, 'base64'));
    return `${(this.publicBaseUrl ?? '').replace(/\/+$/, '')}${IMAGE_FILES_PATH}/${name}`;
  }

  private newName(mimeType: string): string {
    return `${randomBytes(16).toString('hex')}.${EXTENSIONS[mimeType.toLowerCase()] ?? 'png'}`;
  }

  /** A stored image's bytes and content type; undefined for a name it never gave out. */
  async read(name: string): Promise<{ bytes: Buffer; contentType: string } | undefined> {
    const match = STORED_NAME.exec(name);
    if (!match) return undefined;
    try {
      return { bytes: await readFile(path.join(this.directory, name)), contentType: CONTENT_TYPES[match[1]!]! };
    } catch {
      return undefined;
    }
  }
}
