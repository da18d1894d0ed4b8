import { z } from 'zod';
import { EXCERPT_LENGTH } from '../../calls/call.js';
import { invalidRequest } from '../../core/errors.js';
import { validateRequest } from '../../core/request-validation.js';
import { estimateTokens } from '../../core/token-estimate.js';
import type { LocalImageStore } from '../../media/image-store.js';
import type { AspectRatio, ImagesResult } from '../../providers/types.js';
import { openAIErrorReply } from '../openai/wire.js';
import type { ClientProtocol } from '../protocol.js';
import { forwardJson, type MediaOutcome, mediaPlanHooks, mediaReply, notSupported, servesOwnApi } from './media-call.js';

const imagesRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  prompt: z.string().min(1, 'prompt must not be empty'),
  n: z.number().int().min(1).max(10).nullish(),
  size: z.string().nullish(),
  response_format: z.enum(['b64_json', 'url']).nullish(),
});
type ImagesRequest = z.infer<typeof imagesRequestSchema>;

interface ReceivedImagesRequest {
  request: ImagesRequest;
  rawBody: string | undefined;
  /** Where the gateway is reached, for the URLs of stored images. */
  origin: string;
}

/** OpenAI's sizes an upstream that takes an aspect ratio is asked for. */
export const SIZE_ASPECT_RATIOS: Readonly<Record<string, AspectRatio>> = {
  '1024x1024': '1:1',
  '1792x1024': '16:9',
  '1024x1792': '9:16',
  '1024x768': '4:3',
  '768x1024': '3:4',
};

/** The aspect ratio of an OpenAI size (`auto` or none: the model's default); any other size is a 400 naming those accepted. */
export function aspectRatioOf(size: string | null | undefined, model: string): AspectRatio | undefined {
  if (size === undefined || size === null || size === 'auto') return undefined;
  const ratio = SIZE_ASPECT_RATIOS[size];
  if (ratio) return ratio;
  throw invalidRequest(`The size '${size}' is not available for \`${model}\`; use one of ${Object.keys(SIZE_ASPECT_RATIOS).join(', ')} (or auto).`, 'size', 'invalid_value');
}

/** OpenAI's images answer for generated images: base64, or URLs of the copies the gateway keeps. */
async function imagesAnswer(result: ImagesResult, format: 'b64_json' | 'url', store: LocalImageStore, origin: string): Promise<string> {
  const data = await Promise.all(
    result.images.map(async (image) => ({
      ...(format === 'url' ? { url: await store.save(image.base64, image.mimeType, origin) } : { b64_json: image.base64 }),
      ...(image.revisedPrompt ? { revised_prompt: image.revisedPrompt } : {}),
    })),
  );
  const usage = result.usage && { input_tokens: result.usage.prompt, output_tokens: result.usage.completion, total_tokens: result.usage.total };
  return JSON.stringify({ created: Math.floor(Date.now() / 1000), data, ...(usage ? { usage } : {}) });
}

/**
 * OpenAI's image generation (`POST /v1/images/generations`). An upstream that serves OpenAI's Images API (OpenAI, a
 * compatible upstream with `passthrough: [images]`) gets the request as it came; one that generates images its own
 * way (Gemini's Imagen and image models) gets the prompt, `n` and the size as an aspect ratio, and its images come
 * back as `b64_json`, or as URLs of copies the gateway serves (`response_format: "url"`).
 */
export function openAIImagesProtocol(store: LocalImageStore): ClientProtocol<ReceivedImagesRequest, MediaOutcome> {
  return {
    endpoint: 'images',

    parse(wire) {
      const request = validateRequest(imagesRequestSchema, wire.body);
      const prompt = estimateTokens(request.prompt);
      return {
        model: request.model,
        stream: false,
        request: { request, rawBody: wire.rawBody, origin: wire.origin() },
        excerpt: () => request.prompt.slice(0, EXCERPT_LENGTH),
        size: () => ({ prompt, maxOutput: 0 }),
      };
    },

    plan(received, call) {
      const { request, origin } = received;
      return {
        // gemini-balance made its images with PAID_KEY (Imagen has no free tier); a provider without one rotates.
        needsBilling: true,
        operation: async (route, apiKey, cancellation = call.cancellation) => {
          const provider = route.target.provider;
          if (servesOwnApi(provider, 'images')) return forwardJson(received, call, route, { apiKey, cancellation }, '/images/generations', 'application/json');
          if (!provider.generateImages) throw notSupported(call.model, 'image generation');
          const aspectRatio = aspectRatioOf(request.size, call.model);
          const result = await provider.generateImages({ prompt: request.prompt, n: request.n ?? 1, aspectRatio, upstreamModel: route.upstreamModel, apiKey, cancellation });
          const body = await imagesAnswer(result, request.response_format ?? 'b64_json', store, origin);
          return { kind: 'made', contentType: 'application/json', body: Buffer.from(body, 'utf8'), usage: result.usage };
        },
        ...mediaPlanHooks,
      };
    },

    reply(outcome, received) {
      const { request } = received;
      return mediaReply(outcome, estimateTokens(request.prompt), { images: request.n ?? 1, imageSize: request.size ?? '' });
    },

    errorReply: (_error, gatewayError) => openAIErrorReply(gatewayError),
  };
}
