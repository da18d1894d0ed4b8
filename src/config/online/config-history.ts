/** Where a revision of the routing config came from. */
export type RevisionSource = 'file' | 'online' | 'rollback';

/** One version of the routing config, as kept in the history. */
export interface ConfigRevision {
  /** 1, 2, 3…: what `If-Match` names. 0 is the config file as read when nothing was ever stored. */
  revision: number;
  /** A hash of the document (the same for the same content, however written). */
  version: string;
  source: RevisionSource;
  /** When it was made, ISO 8601. */
  at: string;
  /** Who made it: `admin`, or the config file's path. */
  by: string;
  /** The version of the config file's document when this revision was made; null without a file. */
  fileVersion: string | null;
  /** For a rollback: the revision it brought back. */
  restored?: number;
  /** The config as written (`${ENV}` references unresolved), secrets in the clear: never shown as it is. */
  document: unknown;
}

export type NewRevision = Omit<ConfigRevision, 'revision'>;

/** How many revisions the history keeps. */
export const HISTORY_LIMIT = 50;

/**
 * Where the routing config's revisions are kept: Redis (shared by every instance, which hear of each other's
 * commits), or a local file for a single instance.
 */
export interface ConfigHistoryStore {
  /** Whether other instances share this store (and their commits arrive through `subscribe`). */
  readonly shared: boolean;
  latest(): Promise<ConfigRevision | undefined>;
  /** Newest first, at most HISTORY_LIMIT. */
  list(): Promise<ConfigRevision[]>;
  get(revision: number): Promise<ConfigRevision | undefined>;
  /**
   * Appends `entry` as revision `expected + 1` if the latest revision is still `expected` (0: none yet); returns
   * the stored revision, or undefined when another commit came first.
   */
  commit(expected: number, entry: NewRevision): Promise<ConfigRevision | undefined>;
  /** Calls `listener` with the revision number whenever any instance commits. */
  subscribe(listener: (revision: number) => void): void;
  close(): Promise<void>;
}
