import { z } from 'zod';
import { EXCERPT_LENGTH } from '../../calls/call.js';
import { invalidRequest } from '../../core/errors.js';
import { validateRequest } from '../../core/request-validation.js';
import { estimateTokens } from '../../core/token-estimate.js';
import { parseMultipart } from '../../media/multipart.js';
import { openAIErrorReply } from '../openai/wire.js';
import type { ClientProtocol } from '../protocol.js';
import { forwardedForm, forwardToOwnApi, type MediaOutcome, mediaPlanHooks, mediaReply, notSupported, type ReceivedForm, servesOwnApi } from './media-call.js';

const editFieldsSchema = z.looseObject({
  model: z.string().min(1).optional(),
  prompt: z.string().min(1, 'prompt must not be empty'),
  n: z.string().regex(/^\d+$/, 'n must be a whole number').optional(),
  size: z.string().optional(),
});

interface ReceivedEdit extends ReceivedForm {
  fields: z.infer<typeof editFieldsSchema>;
}

/**
 * OpenAI's image edits (`POST /v1/images/edits`, multipart/form-data): only an upstream that serves OpenAI's Images
 * API edits images, and gets the client's multipart bytes; any other model is a 400 that says so.
 */
export const openAIImageEditsProtocol: ClientProtocol<ReceivedEdit, MediaOutcome> = {
  endpoint: 'images',

  parse(wire) {
    const contentType = wire.header('content-type') ?? '';
    if (!Buffer.isBuffer(wire.body)) throw invalidRequest('Expected a multipart/form-data body with the image in `image`.', 'image');
    const form = parseMultipart(wire.body, contentType);
    const fields = validateRequest(editFieldsSchema, form.fields);
    if (!form.files.image && !form.files['image[]']) throw invalidRequest("Missing required parameter: 'image'.", 'image', 'missing_required_parameter');
    return {
      model: fields.model,
      stream: false,
      request: { fields, form, raw: { body: wire.body, contentType } },
      excerpt: () => fields.prompt.slice(0, EXCERPT_LENGTH),
      size: () => ({ prompt: estimateTokens(fields.prompt), maxOutput: 0 }),
    };
  },

  plan(received, call) {
    return {
      operation: async (route, apiKey, cancellation = call.cancellation) => {
        if (!servesOwnApi(route.target.provider, 'images')) throw notSupported(call.model, 'image edits');
        const sent = forwardedForm(received, route.upstreamModel);
        return { kind: 'passthrough', result: await forwardToOwnApi(route, apiKey, cancellation, { path: '/images/edits', body: sent.body, contentType: sent.contentType, accept: 'application/json' }) };
      },
      ...mediaPlanHooks,
    };
  },

  reply(outcome, received) {
    const { fields } = received;
    return mediaReply(outcome, estimateTokens(fields.prompt), { images: Number(fields.n ?? 1), imageSize: fields.size ?? '' });
  },

  errorReply: (_error, gatewayError) => openAIErrorReply(gatewayError),
};
