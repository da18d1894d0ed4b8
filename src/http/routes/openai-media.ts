import type Router from '@koa/router';
import { GatewayError } from '../../core/errors.js';
import { IMAGE_FILES_PATH, type LocalImageStore } from '../../media/image-store.js';
import { openAIImageEditsProtocol } from '../../protocols/openai-media/image-edits.js';
import { openAIImagesProtocol } from '../../protocols/openai-media/images.js';
import { openAISpeechProtocol, type SpeechDefaults } from '../../protocols/openai-media/speech.js';
import { openAITranscriptionsProtocol } from '../../protocols/openai-media/transcriptions.js';
import { type CallHandlerDependencies, callHandler, type CallRouteOptions } from '../call-handler.js';
import type { GatewayMiddleware, GatewayState } from '../context.js';

export interface MediaRouteGuards {
  /** The caller's token, then a JSON body. */
  json: GatewayMiddleware[];
  /** The caller's token, then a multipart body read whole (bounded). */
  upload: GatewayMiddleware[];
}

/**
 * OpenAI's media routes on the one call path: `/v1/images/generations`, `/v1/images/edits`, `/v1/audio/speech`,
 * `/v1/audio/transcriptions` (or the same under another prefix), and the images the gateway keeps for
 * `response_format: "url"`, served without a token under their unguessable names.
 */
export function registerOpenAIMediaRoutes(
  router: Router<GatewayState>,
  guards: MediaRouteGuards,
  deps: CallHandlerDependencies,
  options: CallRouteOptions,
  images: LocalImageStore,
  speech: SpeechDefaults,
  prefix = '/v1',
): void {
  router.post(`${prefix}/images/generations`, ...guards.json, callHandler(openAIImagesProtocol(images), deps, options));
  router.post(`${prefix}/images/edits`, ...guards.upload, callHandler(openAIImageEditsProtocol, deps, options));
  router.post(`${prefix}/audio/speech`, ...guards.json, callHandler(openAISpeechProtocol(speech), deps, options));
  router.post(`${prefix}/audio/transcriptions`, ...guards.upload, callHandler(openAITranscriptionsProtocol, deps, options));
}

/** The stored images, at IMAGE_FILES_PATH; a name the store never gave out is a 404. */
export function registerImageFileRoutes(router: Router<GatewayState>, images: LocalImageStore): void {
  router.get(`${IMAGE_FILES_PATH}/:name`, async (ctx) => {
    const image = await images.read(ctx.params.name!);
    if (!image) throw new GatewayError(404, 'No such image.', { code: 'not_found' });
    ctx.set('cache-control', 'public, max-age=31536000, immutable');
    ctx.type = image.contentType;
    ctx.body = image.bytes;
  });
}
