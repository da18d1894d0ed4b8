import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError, missingOrInvalidToken } from '../../core/errors.js';
import type { AuthThrottle } from './auth-throttle.js';
import type { Caller } from './caller.js';
import { OPEN_CALLER } from './caller.js';
import { statusOf } from '../client-keys/client-key.js';
import type { ClientKeys } from '../client-keys/client-key-service.js';
import { sha256Hex, type TokenVerifier, type VerifiedToken } from './token-verifier.js';

/** The configured tokens, as the authenticator reads them. */
export type ConfiguredTokens = Pick<TokenVerifier, 'isOpen' | 'hasAdmin' | 'verify'>;

/** What a bearer token turned out to be: a caller, or a token unknown to the gateway (a BYOK provider may take it). */
export type Identification = { caller: Caller } | { unknownToken: string };

/** The sender's address, asked for only when it matters (a failure to count, an address under lockout). */
export type AddressOf = () => string;

const OPEN_IDENTIFICATION: Identification = { caller: OPEN_CALLER };

const withChallenge = (error: GatewayError): GatewayError => {
  error.headers['WWW-Authenticate'] = 'Bearer';
  return error;
};

/**
 * Decides who a bearer token belongs to: the admin, an ALLOWED_TOKENS token, or a client key (refused when
 * disabled or expired). Wrong tokens count against the sender's address, which is first slowed down and then
 * refused with 429 for a while.
 */
export class Authenticator {
  /** The identification of each configured token, built on its first use. */
  private readonly configuredCallers = new WeakMap<VerifiedToken, Identification>();

  constructor(
    /** The configured tokens; a reloaded config may change them (see LiveTokens). */
    private readonly tokens: ConfiguredTokens,
    private readonly clientKeys: ClientKeys,
    private readonly throttle: AuthThrottle,
    private readonly now: () => number = Date.now,
  ) {}

  get isOpen(): boolean {
    return this.tokens.isOpen;
  }

  get hasAdmin(): boolean {
    return this.tokens.hasAdmin;
  }

  /**
   * The caller behind `token`. With `acceptUnknown` a token the gateway does not know is handed back for a BYOK
   * provider to take; otherwise it is refused (and counted). Configured tokens are answered at once; only a client
   * key needs the (cached) store, and only then is the answer a promise.
   */
  identify(token: string | undefined, addressOf: AddressOf, acceptUnknown: boolean): Identification | Promise<Identification> {
    if (this.throttle.tracking) this.refuseIfLocked(addressOf());
    if (this.tokens.isOpen) return OPEN_IDENTIFICATION;
    if (token === undefined) throw withChallenge(missingOrInvalidToken(false));
    const verified = this.tokens.verify(token);
    if (verified) return this.configuredCaller(verified);
    return this.identifyClientKey(sha256Hex(token), token, addressOf, acceptUnknown);
  }

  private async identifyClientKey(digest: string, token: string, addressOf: AddressOf, acceptUnknown: boolean): Promise<Identification> {
    const key = await this.clientKeys.findByHash(digest);
    if (key) {
      const status = statusOf(key, this.now());
      if (status === 'disabled') {
        throw withChallenge(new GatewayError(401, 'This API key has been disabled by the operator of this gateway.', { code: 'api_key_disabled' }));
      }
      if (status === 'expired') {
        throw withChallenge(
          new GatewayError(401, `This API key expired on ${new Date(key.expiresAt!).toISOString()}.`, { code: 'api_key_expired' }),
        );
      }
      return { caller: { kind: 'client', id: key.id, name: key.name, hint: key.hash.slice(-6), key } };
    }
    if (acceptUnknown) return { unknownToken: token };
    return this.refuse(addressOf());
  }

  /** The caller of a configured token: the same object for the same token on every request. */
  private configuredCaller(verified: VerifiedToken): Identification {
    let identification = this.configuredCallers.get(verified);
    if (!identification) {
      const hint = verified.hash.slice(-6);
      identification = verified.isAdmin
        ? { caller: { kind: 'admin', id: 'admin', name: 'admin (AUTH_TOKEN)', hint } }
        : {
            caller: {
              kind: 'token',
              id: `env:${verified.hash.slice(0, 8)}`,
              name: verified.routed ? (verified.routed.name ?? 'config file token') : 'ALLOWED_TOKENS',
              hint,
              ...(verified.routed ? { routes: verified.routed.routes } : {}),
            },
          };
      this.configuredCallers.set(verified, identification);
    }
    return identification;
  }

  /** Counts a wrong token from `address` and throws the 401, after the delay its past failures earned. */
  async refuse(address: string): Promise<never> {
    const delay = this.throttle.failed(address);
    if (delay > 0) await sleep(delay);
    throw withChallenge(missingOrInvalidToken(true));
  }

  private refuseIfLocked(address: string): void {
    const waitMs = this.throttle.lockedFor(address);
    if (waitMs > 0) {
      throw new GatewayError(429, 'Too many failed authentication attempts from your address; try again later.', {
        code: 'too_many_auth_failures',
        headers: { 'Retry-After': String(Math.ceil(waitMs / 1000)) },
      });
    }
  }
}

/** The caller a BYOK provider gets for a token the gateway does not know: logged only as a short hash. */
export function byokCaller(token: string): Caller {
  const hash = sha256Hex(token);
  return { kind: 'byok', id: `byok:${hash.slice(0, 8)}`, name: 'own key (BYOK)', hint: hash.slice(-6), token };
}
