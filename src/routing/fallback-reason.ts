import { GatewayError } from '../core/errors.js';

/** Why a group's targets could not serve a call, as its fallbacks are keyed. */
export type FallbackReason = 'error' | 'rate_limit' | 'context_window' | 'content_policy';

// OpenAI, Azure, DeepSeek: "maximum context length is"; Anthropic: "prompt is too long"; Gemini: "input token count
// (…) exceeds the maximum number of tokens allowed".
const CONTEXT_WINDOW = /context[_ ]length|maximum context|prompt is too long|exceeds the maximum number of tokens|too many (input )?tokens|context window/i;
const CONTENT_POLICY = /content[_ ](filter|policy|management)|safety system|responsible ai policy/i;

/**
 * What a failed call says about where it should go next: a context-window or content-policy refusal (whatever its
 * status), rate limits on every attempt, or an upstream failure (5xx, timeout, exhausted retries). A client's own
 * mistake gives no reason: another group would refuse it too.
 */
export function fallbackReason(error: unknown, failureStatuses: readonly number[]): FallbackReason | undefined {
  if (!(error instanceof GatewayError)) return error instanceof Error ? 'error' : undefined;
  const said = `${error.code ?? ''} ${error.message}`;
  if (error.status === 400 || error.status === 413 || error.status === 422) {
    if (CONTEXT_WINDOW.test(said)) return 'context_window';
    if (CONTENT_POLICY.test(said)) return 'content_policy';
    return undefined;
  }
  if (CONTENT_POLICY.test(said) && error.status < 500) return 'content_policy';
  const rateLimited = failureStatuses.length > 0 ? failureStatuses.every((status) => status === 429) : error.status === 429;
  if (rateLimited && (error.status === 429 || error.code === 'upstream_keys_unavailable')) return 'rate_limit';
  if (error.status === 429 || error.status >= 500 || error.status === 408) return 'error';
  return undefined;
}
