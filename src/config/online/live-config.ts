import { stat } from 'node:fs/promises';
import { configVersion, formatConfigErrors, restoreMaskedSecrets, type ConfigFileError } from '../file/index.js';
import { readRoutingDocument, readRoutingFile, type RoutingContext, type RoutingFile, type RoutingRead } from '../routing-file.js';
import type { Logger } from '../../logging/logger.js';
import type { ConfigHistoryStore, ConfigRevision, NewRevision } from './config-history.js';

/** The routing config in force on this instance, and where it came from. */
export interface AppliedConfig {
  /** 0 when it is the config file as read, never stored. */
  revision: number;
  version: string;
  source: ConfigRevision['source'];
  at: string;
  by: string;
  /** As written, secrets in the clear (show it through `maskDocument`); undefined with no config at all. */
  document: unknown;
  routing: RoutingFile | undefined;
}

export type EditResult =
  | { kind: 'applied'; config: AppliedConfig }
  | { kind: 'invalid'; errors: ConfigFileError[] }
  /** `If-Match` named another revision than the latest. */
  | { kind: 'stale'; latest: number }
  | { kind: 'not_found' }
  /** The history store cannot be written: nothing changed. */
  | { kind: 'unavailable'; message: string };

export interface LiveConfigDependencies {
  history: ConfigHistoryStore;
  /** The config file, when there is one (watched for changes). */
  filePath: string | undefined;
  /** The config file as read and validated at start. */
  startFile: RoutingFile | undefined;
  context: RoutingContext;
  /** Puts a routing config in force (builds and swaps the routing table); throws if it cannot be built. */
  apply(routing: RoutingFile | undefined): Promise<void>;
  logger: Logger;
  /** How often the file is checked for changes; 0: never. */
  watchMs: number;
  /** With a shared history, how often the latest revision is looked at, in case a published change was missed. */
  pollMs: number;
}

/**
 * The routing config in force, and every way it changes: the file edited (watched), an online edit (compare-and-set
 * on the revision), a rollback, another instance's commit (published through the shared history). A change that
 * does not validate, or cannot be built, is refused and logged; the config in force stays.
 *
 * How the file and online edits combine: the latest change wins, whichever its source, and every change is a
 * revision in the history. Each revision notes the file's version at the time; at start, if the file is still what
 * the latest revision noted, that revision (an online edit, say) stays in force; if the file changed since, the
 * file is newer and becomes a revision of its own, with the online edit still in the history to roll back to.
 */
export class LiveConfig {
  private applied!: AppliedConfig;
  private fileVersion: string | null;
  /** Changes are applied one at a time, in the order they come. */
  private queue: Promise<unknown> = Promise.resolve();
  private poller: NodeJS.Timeout | undefined;
  private refusedRevision = 0;
  private watcher: NodeJS.Timeout | undefined;

  private constructor(private readonly deps: LiveConfigDependencies) {
    this.fileVersion = deps.startFile ? configVersion(deps.startFile.document) : null;
  }

  static async start(deps: LiveConfigDependencies): Promise<LiveConfig> {
    const live = new LiveConfig(deps);
    await live.reconcile();
    if (deps.filePath !== undefined && deps.watchMs > 0) live.watch(deps.filePath, deps.watchMs);
    if (deps.history.shared) {
      deps.history.subscribe((revision) => live.heard(revision));
      live.poller = setInterval(() => live.poll(), deps.pollMs).unref();
    }
    return live;
  }

  /**
   * Looks at the file's size, time and inode every `intervalMs` and reads it when they change (the first look
   * always reads it: it may have changed since it was read at start). Editors that replace the file are seen too.
   */
  private watch(filePath: string, intervalMs: number): void {
    let seen: string | undefined;
    let looking = false;
    this.watcher = setInterval(() => {
      if (looking) return;
      looking = true;
      void stat(filePath)
        .then(async (now) => {
          const signature = `${now.mtimeMs}:${now.size}:${now.ino}`;
          if (signature === seen) return;
          seen = signature;
          await this.reloadFile();
        })
        // A file that is gone (being replaced, say) leaves the config in force as it is.
        .catch(() => undefined)
        .finally(() => (looking = false));
    }, intervalMs).unref();
  }

  get current(): AppliedConfig {
    return this.applied;
  }

  /** Validates a document as an edit would, with nothing applied. */
  check(document: unknown): RoutingRead {
    const restored = restoreMaskedSecrets(document, this.applied.document);
    if (restored.errors.length > 0) return { ok: false, errors: restored.errors };
    return readRoutingDocument(restored.document, this.deps.context);
  }

  /** An online edit: the whole document, applied only if `expected` is still the latest revision (`*`: any). */
  edit(document: unknown, expected: number | '*', by: string): Promise<EditResult> {
    return this.serial(async () => {
      const read = this.check(document);
      if (!read.ok) return { kind: 'invalid', errors: read.errors };
      return this.commitAndApply(read.routing, expected, { source: 'online', by });
    });
  }

  /** Brings an earlier revision back, as a new revision. */
  rollback(revision: number, expected: number | '*', by: string): Promise<EditResult> {
    return this.serial(async () => {
      const earlier = await this.deps.history.get(revision).catch(() => undefined);
      if (!earlier) return { kind: 'not_found' };
      const read = readRoutingDocument(earlier.document, this.deps.context);
      if (!read.ok) return { kind: 'invalid', errors: read.errors };
      return this.commitAndApply(read.routing, expected, { source: 'rollback', by, restored: revision });
    });
  }

  history(): Promise<ConfigRevision[]> {
    return this.deps.history.list();
  }

  revision(revision: number): Promise<ConfigRevision | undefined> {
    return this.deps.history.get(revision);
  }

  async close(): Promise<void> {
    clearInterval(this.watcher);
    clearInterval(this.poller);
    await this.queue.catch(() => undefined);
    await this.deps.history.close();
  }

  /** Reads the file again (it changed, or the operator sent SIGHUP) and puts it in force if it is valid and new. */
  reloadFile(): Promise<void> {
    return this.serial(async () => {
      const { filePath, logger } = this.deps;
      if (filePath === undefined) return;
      const read = readRoutingFile(filePath, this.deps.context);
      if (!read.ok) {
        logger.error({ file: filePath, errors: read.errors }, `config file change refused; the config in force stays:\n${formatConfigErrors(read.errors)}`);
        return;
      }
      const version = configVersion(read.routing.document);
      if (version === this.fileVersion) return;
      this.fileVersion = version;
      if (version === this.applied.version) return;
      const result = await this.commitAndApply(read.routing, this.applied.revision, { source: 'file', by: filePath }, true);
      if (result.kind === 'stale') await this.catchUp(result.latest);
    });
  }

  /** At start: the latest stored revision if the file has not changed since it, else the file. */
  private async reconcile(): Promise<void> {
    const { startFile, filePath, logger } = this.deps;
    const fromFile = (): AppliedConfig => ({
      revision: 0,
      version: startFile ? configVersion(startFile.document) : '',
      source: 'file',
      at: new Date().toISOString(),
      by: filePath ?? '',
      document: startFile?.document,
      routing: startFile,
    });
    let latest: ConfigRevision | undefined;
    try {
      latest = await this.deps.history.latest();
    } catch (error) {
      logger.warn({ error: messageOf(error) }, 'the config history cannot be read; starting on the config file');
    }
    if (latest && (latest.fileVersion === this.fileVersion || this.fileVersion === null)) {
      const read = readRoutingDocument(latest.document, this.deps.context);
      if (read.ok) {
        await this.install(read.routing, latest);
        return;
      }
      logger.error({ revision: latest.revision, errors: read.errors }, `config revision ${latest.revision} cannot be applied here; starting on the config file:\n${formatConfigErrors(read.errors)}`);
      await this.install(startFile, { ...fromFile(), revision: latest.revision });
      return;
    }
    if (!latest || !startFile) {
      await this.install(startFile, { ...fromFile(), revision: latest?.revision ?? 0 });
      return;
    }
    logger.warn(
      { revision: latest.revision, source: latest.source, at: latest.at },
      `the config file changed since config revision ${latest.revision} (${latest.source}, ${latest.at}): the file is in force, revision ${latest.revision} stays in the history`,
    );
    this.applied = { ...fromFile(), revision: latest.revision };
    const result = await this.commitAndApply(startFile, latest.revision, { source: 'file', by: filePath ?? '' }, true);
    if (result.kind === 'applied') return;
    await this.install(startFile, { ...fromFile(), revision: latest.revision });
    if (result.kind === 'stale') await this.catchUp(result.latest);
  }

  /**
   * Stores `routing` as the revision after `expected`, then puts it in force. `bestEffort` (a file change) applies
   * it even if the history cannot be written; an online edit is refused then, since it would not survive a restart.
   */
  private async commitAndApply(
    routing: RoutingFile,
    expected: number | '*',
    origin: Pick<NewRevision, 'source' | 'by' | 'restored'>,
    bestEffort = false,
  ): Promise<EditResult> {
    const entry: NewRevision = {
      version: configVersion(routing.document),
      at: new Date().toISOString(),
      fileVersion: this.fileVersion,
      document: routing.document,
      ...origin,
    };
    let stored: ConfigRevision | undefined;
    try {
      const latest = expected === '*' ? ((await this.deps.history.latest())?.revision ?? 0) : expected;
      if (latest !== this.applied.revision && expected !== '*') return { kind: 'stale', latest: Math.max(this.applied.revision, latest) };
      stored = await this.deps.history.commit(latest, entry);
      if (!stored) return { kind: 'stale', latest: (await this.deps.history.latest())?.revision ?? latest };
    } catch (error) {
      if (!bestEffort) return { kind: 'unavailable', message: `the config history cannot be written: ${messageOf(error)}` };
      this.deps.logger.warn({ error: messageOf(error) }, 'the config history cannot be written; the change is in force on this instance only');
    }
    const config = { revision: this.applied.revision, ...entry, ...stored };
    try {
      await this.install(routing, config);
    } catch (error) {
      this.deps.logger.error({ revision: config.revision, error: messageOf(error) }, 'config revision stored but could not be put in force; the config in force stays');
      return { kind: 'invalid', errors: [{ path: '', line: undefined, message: `the config could not be put in force: ${messageOf(error)}` }] };
    }
    return { kind: 'applied', config: this.applied };
  }

  private async install(routing: RoutingFile | undefined, meta: Omit<AppliedConfig, 'routing'>): Promise<void> {
    await this.deps.apply(routing);
    this.applied = { ...meta, routing };
    this.deps.logger.info({ revision: meta.revision, version: meta.version, source: meta.source, by: meta.by }, 'routing config in force');
  }

  /** Another instance committed a revision. */
  private heard(revision: number): void {
    if (revision > this.applied.revision) void this.serial(() => this.catchUp(revision)).catch(() => undefined);
  }

  private poll(): void {
    void this.serial(async () => {
      const latest = await this.deps.history.latest().catch(() => undefined);
      if (latest && latest.revision > this.applied.revision) await this.catchUp(latest.revision, latest);
    }).catch(() => undefined);
  }

  /** Puts the latest revision (at least `revision`) in force, unless it is refused here. */
  private async catchUp(revision: number, known?: ConfigRevision): Promise<void> {
    if (revision <= this.applied.revision || revision <= this.refusedRevision) return;
    const latest = known ?? (await this.deps.history.latest().catch(() => undefined));
    if (!latest || latest.revision <= this.applied.revision) return;
    const read = readRoutingDocument(latest.document, this.deps.context);
    if (!read.ok) {
      this.refusedRevision = latest.revision;
      this.deps.logger.error({ revision: latest.revision, errors: read.errors }, `config revision ${latest.revision} cannot be applied here; the config in force stays:\n${formatConfigErrors(read.errors)}`);
      return;
    }
    try {
      await this.install(read.routing, latest);
    } catch (error) {
      this.refusedRevision = latest.revision;
      this.deps.logger.error({ revision: latest.revision, error: messageOf(error) }, 'config revision could not be put in force; the config in force stays');
    }
  }

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const next = this.queue.then(step);
    this.queue = next.catch((error: unknown) => this.deps.logger.error({ error: messageOf(error) }, 'config change failed'));
    return next;
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
