import type { TokenUsage } from '../core/usage.js';
import type { PassthroughResult } from '../providers/types.js';
import type { PassthroughReply } from './protocol.js';

/** The reply to an upstream's own answer: its bytes as they came, metered by the usage the provider read from them. */
export function passthroughReply(result: PassthroughResult, estimate: () => TokenUsage): PassthroughReply {
  return {
    kind: 'bytes',
    status: result.status,
    contentType: result.contentType,
    first: result.first,
    body: result.body,
    usage: () => ({ usage: result.usage, estimate, responseExcerpt: undefined }),
  };
}
