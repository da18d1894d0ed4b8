import { randomBytes } from 'node:crypto';
import type { KeyAffinityStore } from './key-affinity-store.js';
import type { PinnedKey } from './key-pool.js';

/** Gemini deletes an uploaded file after 48 hours; what is remembered about it lasts as long. */
export const GEMINI_FILE_TTL_MS = 48 * 3_600_000;

/** A resumable upload the gateway started upstream: where its chunks go, and with which key. */
export interface UploadSession extends PinnedKey {
  /** The upstream's upload URL with any `key` parameter removed (the key goes in a header). */
  url: string;
}

/**
 * A file named in a request body, `files/<id>`: in a file URI (`…/v1beta/files/abc`, as Gemini's `uri` and OpenAI
 * content parts carry it) or as a bare `fileUri`. Plain text that merely mentions files is not matched.
 */
const FILE_REFERENCE = /\/v1(?:beta|alpha)?\/(files\/[a-z0-9][a-z0-9-]*)|"(?:fileUri|file_uri)"\s*:\s*"(files\/[a-z0-9][a-z0-9-]*)"/g;

/** The Gemini files a request body names, in order, each once. */
export function referencedFiles(rawBody: string | undefined): string[] {
  if (rawBody === undefined || !rawBody.includes('files/')) return [];
  const files = new Set<string>();
  for (const match of rawBody.matchAll(FILE_REFERENCE)) files.add((match[1] ?? match[2])!);
  return [...files];
}

const fileRecord = (file: string) => `file:${file}`;
const uploadRecord = (id: string) => `upload:${id}`;

/**
 * Which pool key each uploaded Gemini file lives under (a file is only readable with the key of the project that
 * uploaded it), and the uploads in progress, each behind an opaque id the client gets instead of the upstream URL.
 * Shared by every gateway instance when the store is Redis.
 */
export class FileKeyAffinity {
  constructor(private readonly store: KeyAffinityStore) {}

  remember(file: string, key: PinnedKey): Promise<void> {
    return this.store.set(fileRecord(file), JSON.stringify({ provider: key.provider, keyId: key.keyId }), GEMINI_FILE_TTL_MS);
  }

  forget(file: string): Promise<void> {
    return this.store.delete(fileRecord(file));
  }

  async keyOf(file: string): Promise<PinnedKey | undefined> {
    return readPinned(await this.store.get(fileRecord(file)));
  }

  /**
   * The key of the first file the body names that the gateway uploaded; undefined when it names none. A body that
   * names no file at all (nearly every call) is answered at once, without a look-up to await.
   */
  pinFor(rawBody: string | undefined): Promise<PinnedKey | undefined> | undefined {
    const files = referencedFiles(rawBody);
    return files.length === 0 ? undefined : this.firstPinned(files);
  }

  private async firstPinned(files: readonly string[]): Promise<PinnedKey | undefined> {
    for (const file of files) {
      const key = await this.keyOf(file);
      if (key) return key;
    }
    return undefined;
  }

  /** Remembers an upload in progress; returns the opaque id its chunks are sent under. */
  async openUpload(session: UploadSession): Promise<string> {
    const id = randomBytes(24).toString('base64url');
    await this.store.set(uploadRecord(id), JSON.stringify(session), GEMINI_FILE_TTL_MS);
    return id;
  }

  async upload(id: string): Promise<UploadSession | undefined> {
    if (!/^[\w-]{16,64}$/.test(id)) return undefined;
    const text = await this.store.get(uploadRecord(id));
    const pinned = readPinned(text);
    const url = text === undefined ? undefined : (JSON.parse(text) as { url?: unknown }).url;
    return pinned && typeof url === 'string' ? { ...pinned, url } : undefined;
  }

  closeUpload(id: string): Promise<void> {
    return this.store.delete(uploadRecord(id));
  }
}

function readPinned(text: string | undefined): PinnedKey | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as { provider?: unknown; keyId?: unknown };
    return typeof value.provider === 'string' && typeof value.keyId === 'string' ? { provider: value.provider, keyId: value.keyId } : undefined;
  } catch {
    return undefined;
  }
}
