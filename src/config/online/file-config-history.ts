import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ConfigHistoryStore, type ConfigRevision, HISTORY_LIMIT, type NewRevision } from './config-history.js';

interface HistoryFile {
  revisions: ConfigRevision[];
}

/**
 * The routing config's history in a local JSON file (readable by its owner only: it holds upstream keys), for a
 * gateway without Redis. Written whole, through a temporary file and a rename, so a crash never leaves half a file.
 * One process per file: instances that share a config need Redis.
 */
export class FileConfigHistory implements ConfigHistoryStore {
  readonly shared = false;
  private revisions: ConfigRevision[] | undefined;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly filePath: string) {}

  private async load(): Promise<ConfigRevision[]> {
    if (this.revisions) return this.revisions;
    let text: string;
    try {
      text = await readFile(this.filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return (this.revisions = []);
      throw error;
    }
    const parsed = JSON.parse(text) as Partial<HistoryFile>;
    if (!Array.isArray(parsed.revisions)) throw new Error(`${this.filePath} is not a config history file`);
    return (this.revisions = parsed.revisions);
  }

  async latest(): Promise<ConfigRevision | undefined> {
    return (await this.load())[0];
  }

  async list(): Promise<ConfigRevision[]> {
    return [...(await this.load())];
  }

  async get(revision: number): Promise<ConfigRevision | undefined> {
    return (await this.load()).find((entry) => entry.revision === revision);
  }

  commit(expected: number, entry: NewRevision): Promise<ConfigRevision | undefined> {
    // One commit at a time: the check and the write are one step.
    const committing = this.writing.then(async () => {
      const revisions = await this.load();
      if ((revisions[0]?.revision ?? 0) !== expected) return undefined;
      const stored: ConfigRevision = { revision: expected + 1, ...entry };
      const next = [stored, ...revisions].slice(0, HISTORY_LIMIT);
      await mkdir(path.dirname(this.filePath), { recursive: true });
      const temporary = `${this.filePath}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify({ revisions: next } satisfies HistoryFile, null, 2)}\n`, { mode: 0o600 });
      await chmod(temporary, 0o600);
      await rename(temporary, this.filePath);
      this.revisions = next;
      return stored;
    });
    this.writing = committing.catch(() => undefined);
    return committing;
  }

  subscribe(): void {
    // Nobody else writes this file.
  }

  async close(): Promise<void> {
    await this.writing;
  }
}
