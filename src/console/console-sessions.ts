import { randomBytes } from 'node:crypto';
import { digestsEqual, sha256Hex } from '../access/identity/token-verifier.js';
import type { SessionRecord, SessionStore } from './session-store.js';

/** A session as its browser holds it: the cookie's id, the CSRF token, when it ends. */
export interface OpenedSession {
  id: string;
  csrfToken: string;
  expiresAt: number;
}

const randomToken = () => randomBytes(32).toString('base64url');

/**
 * The admin console's sign-in sessions: opened by exchanging the admin token, found by the id in the session
 * cookie, ended by signing out or by time. The store keeps only the id's hash, so a leaked store opens nothing.
 */
export class ConsoleSessions {
  constructor(
    private readonly store: SessionStore,
    private readonly lifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async open(): Promise<OpenedSession> {
    const session = { id: randomToken(), csrfToken: randomToken(), expiresAt: this.now() + this.lifetimeMs };
    await this.store.put(sha256Hex(session.id), { csrfToken: session.csrfToken, expiresAt: session.expiresAt });
    return session;
  }

  /** The session with this id, while it lasts. */
  async find(id: string): Promise<SessionRecord | undefined> {
    const record = await this.store.get(sha256Hex(id));
    return record && record.expiresAt > this.now() ? record : undefined;
  }

  async close(id: string): Promise<void> {
    await this.store.delete(sha256Hex(id));
  }
}

/** Whether a request's CSRF token is the session's, compared in constant time. */
export function csrfTokenMatches(record: SessionRecord, presented: string): boolean {
  return presented !== '' && digestsEqual(sha256Hex(presented), sha256Hex(record.csrfToken));
}
