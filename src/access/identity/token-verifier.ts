import { hash } from 'node:crypto';
import type { TokenRoutes } from './caller.js';

/** SHA-256 of a secret, hex; logs and stores only ever see this (or a prefix of it). */
export const sha256Hex = (secret: string): string => hash('sha256', secret, 'hex');

/** A short, stable, non-reversible tag for a secret, for logs: the first 8 hex digits of its SHA-256. */
export const secretFingerprint = (secret: string): string => sha256Hex(secret).slice(0, 8);

/**
 * Whether two SHA-256 hex digests are equal, in time that depends only on their (fixed) length: every character
 * is compared, with no early exit.
 */
export function digestsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}

export interface VerifiedToken {
  /** SHA-256 of the token, hex. */
  readonly hash: string;
  readonly isAdmin: boolean;
  /** A token of the config file: its name and routes. */
  readonly routed?: RoutedToken;
}

export interface RoutedToken {
  name: string | undefined;
  routes: TokenRoutes;
}

/**
 * Checks bearer tokens against the configured ones. Both sides are hashed to fixed-length digests and every
 * configured digest is compared in constant time (no early exit), so timing reveals neither a token nor which
 * one matched.
 */
export class TokenVerifier {
  private readonly configured: VerifiedToken[];
  private readonly adminDigest: string | undefined;

  constructor(clientTokens: readonly string[], adminToken: string | undefined, routed: ReadonlyMap<string, RoutedToken> = new Map()) {
    this.adminDigest = adminToken === undefined ? undefined : sha256Hex(adminToken);
    this.configured = clientTokens.map((token) => {
      const digest = sha256Hex(token);
      const routes = routed.get(token);
      return { hash: digest, isAdmin: this.adminDigest !== undefined && digestsEqual(this.adminDigest, digest), ...(routes ? { routed: routes } : {}) };
    });
  }

  get hasAdmin(): boolean {
    return this.adminDigest !== undefined;
  }

  /** No tokens configured: every caller is let in (the gateway then listens on loopback by default). */
  get isOpen(): boolean {
    return this.configured.length === 0;
  }

  verify(token: string): VerifiedToken | undefined {
    return this.verifyDigest(sha256Hex(token));
  }

  /**
   * `verify` for a token whose SHA-256 the caller already has (it looks client keys up by the same hash). Answers
   * with the same object for the same token every time.
   */
  verifyDigest(digest: string): VerifiedToken | undefined {
    let matched: VerifiedToken | undefined;
    for (const candidate of this.configured) if (digestsEqual(candidate.hash, digest)) matched = candidate;
    return matched;
  }
}

/** The token from `Authorization: Bearer <token>`, or undefined when the header is absent or not Bearer. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S.*)$/i.exec(authorization.trim());
  return match?.[1]?.trim();
}
