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
 * Checks bearer tokens against the configured ones, looked up by value in a Map. A lookup compares a stored token's
 * characters with the presented one only once their lengths and string hashes are equal, and V8 seeds that hash at
 * random in every process, so the time a wrong guess takes tells nothing about how close it came (a token cannot
 * be found character by character). Hashing every presented token with SHA-256 and comparing the digests instead
 * cost several times more than the rest of authenticating a call.
 */
export class TokenVerifier {
  private readonly byValue: ReadonlyMap<string, VerifiedToken>;
  private readonly adminDigest: string | undefined;

  constructor(clientTokens: readonly string[], adminToken: string | undefined, routed: ReadonlyMap<string, RoutedToken> = new Map()) {
    this.adminDigest = adminToken === undefined ? undefined : sha256Hex(adminToken);
    this.byValue = new Map(
      clientTokens.map((token) => {
        const digest = sha256Hex(token);
        const routes = routed.get(token);
        return [token, { hash: digest, isAdmin: digest === this.adminDigest, ...(routes ? { routed: routes } : {}) }];
      }),
    );
  }

  get hasAdmin(): boolean {
    return this.adminDigest !== undefined;
  }

  /** No tokens configured: every caller is let in (the gateway then listens on loopback by default). */
  get isOpen(): boolean {
    return this.byValue.size === 0;
  }

  /** The configured token equal to `token` (the same object every time), or undefined when there is none. */
  verify(token: string): VerifiedToken | undefined {
    return this.byValue.get(token);
  }
}

const BEARER = /^Bearer\s+(\S.*)$/i;

/** The token from `Authorization: Bearer <token>`, or undefined when the header is absent or not Bearer. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  // The usual form, `Bearer <printable ASCII>` with nothing around it, is taken without the pattern.
  const first = authorization.charCodeAt(7);
  const last = authorization.charCodeAt(authorization.length - 1);
  if (first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f && authorization.startsWith('Bearer ')) return authorization.slice(7);
  const match = BEARER.exec(authorization.trim());
  return match?.[1]?.trim();
}
