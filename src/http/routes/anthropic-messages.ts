import type { Authenticator } from '../../access/identity/authenticator.js';
import type { Logger } from '../../logging/logger.js';
import { anthropicCountTokensProtocol } from '../../protocols/anthropic-messages/count-tokens.js';
import { anthropicErrorReply } from '../../protocols/anthropic-messages/errors.js';
import { anthropicMessagesProtocol } from '../../protocols/anthropic-messages/protocol.js';
import { type CallHandlerDependencies, callHandler, type CallRouteOptions } from '../call-handler.js';
import type { GatewayMiddleware } from '../context.js';
import type { ExactRoutes } from '../exact-routes.js';
import { anthropicKeyOf, requireClientToken } from '../middleware/auth.js';
import { errorHandler } from '../middleware/error-handler.js';

export interface AnthropicMessagesDependencies extends CallHandlerDependencies {
  authenticator: Authenticator;
  /** Whether some provider takes its callers' own keys. */
  acceptUnknownTokens: boolean;
  maxBodyBytes: number;
  /** What admits a call and reads its body (load shedding, body limits). */
  intake: readonly GatewayMiddleware[];
  logger: Logger;
}

/**
 * Anthropic's Messages API for its clients (Claude Code, `@anthropic-ai/sdk`): `/v1/messages` and
 * `/v1/messages/count_tokens`, on the one call path, with errors in Anthropic's shape from the first middleware on.
 */
export function registerAnthropicMessagesRoutes(router: ExactRoutes, deps: AnthropicMessagesDependencies, options: CallRouteOptions): void {
  const guard = [
    errorHandler(deps.logger, deps.maxBodyBytes, anthropicErrorReply),
    requireClientToken(deps.authenticator, deps.acceptUnknownTokens, { tokenOf: anthropicKeyOf }),
    ...deps.intake,
  ];
  router.post('/v1/messages', ...guard, callHandler(anthropicMessagesProtocol, deps, options));
  router.post('/v1/messages/count_tokens', ...guard, callHandler(anthropicCountTokensProtocol, deps, options));
}
