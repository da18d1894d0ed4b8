import type Router from '@koa/router';
import type { Authenticator } from '../../access/identity/authenticator.js';
import { GatewayError } from '../../core/errors.js';
import type { FileKeyAffinity } from '../../keys/file-affinity.js';
import type { Logger } from '../../logging/logger.js';
import { googleErrorReply } from '../../protocols/gemini-native/protocol.js';
import { describedFile } from '../../providers/gemini/files.js';
import type { ConfiguredProvider } from '../../providers/registry.js';
import type { FilesAnswer, FilesCall } from '../../providers/types.js';
import type { Dispatcher } from '../../routing/dispatcher.js';
import { forwardedQuery } from '../call-handler.js';
import { cancelOnClientDisconnect } from '../client-abort.js';
import type { GatewayContext, GatewayState } from '../context.js';
import { errorHandler } from '../middleware/error-handler.js';
import { readRawBody } from '../raw-body.js';
import { requireGeminiClientToken } from './gemini-native.js';

export interface GeminiFilesDependencies {
  /** The configured Gemini provider (of the config in force); the routes answer 404 without one. */
  gemini: () => ConfiguredProvider | undefined;
  dispatcher: Dispatcher;
  affinity: FileKeyAffinity;
  authenticator: Authenticator;
  maxBodyBytes: number;
  logger: Logger;
}

const PREFIX = '(?:/gemini)?';
const UPLOAD_PATH = new RegExp(`^${PREFIX}/upload/v1beta/files$`);
const FILES_PATH = new RegExp(`^${PREFIX}/v1beta/files$`);
const FILE_PATH = new RegExp(`^${PREFIX}/v1beta/files/([a-z0-9-]+)$`);

/** The client's upload protocol headers and content type, to go upstream. */
function clientUploadHeaders(ctx: GatewayContext): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.headers)) {
    if ((name.startsWith('x-goog-upload-') || name === 'content-type') && typeof value === 'string') headers[name] = value;
  }
  return headers;
}

function writeAnswer(ctx: GatewayContext, answer: FilesAnswer): void {
  ctx.status = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
  ctx.type = answer.contentType;
  ctx.body = answer.body;
}

/**
 * Gemini's Files API on the Gemini key pool, with key affinity: a file is only readable with the key that uploaded
 * it, so the gateway remembers that key (see keys/file-affinity.ts) and uses it for the upload's chunks, the file's
 * metadata and deletion, and every model call that names the file. The upload URL handed to the client points
 * back at the gateway with an opaque id; the upstream's URL (and any key) never leaves the gateway.
 */
export function registerGeminiFilesRoutes(router: Router<GatewayState>, deps: GeminiFilesDependencies): void {
  const guard = [errorHandler(deps.logger, deps.maxBodyBytes, googleErrorReply), requireGeminiClientToken(deps.authenticator, false)];
  const gemini = (): ConfiguredProvider & { provider: { files: NonNullable<ConfiguredProvider['provider']['files']> } } => {
    const configured = deps.gemini();
    if (!configured?.provider.files) throw new GatewayError(404, 'Gemini is not configured on this gateway.');
    return configured as ReturnType<typeof gemini>;
  };
  const call = async (ctx: GatewayContext, request: Omit<FilesCall, 'apiKey' | 'cancellation'>, pinnedKeyId?: string) => {
    const target = gemini();
    const cancellation = cancelOnClientDisconnect(ctx);
    const { value, keyId } = await deps.dispatcher.runKeyed(target, (apiKey) => target.provider.files({ ...request, apiKey, cancellation }), pinnedKeyId);
    return { answer: value, key: { provider: target.settings.id, keyId: keyId ?? '' } };
  };
  const pinOf = async (file: string): Promise<string | undefined> => {
    const key = await deps.affinity.keyOf(file);
    return key && key.provider === gemini().settings.id ? key.keyId : undefined;
  };

  const startUpload = async (ctx: GatewayContext) => {
    const body = await readRawBody(ctx, deps.maxBodyBytes);
    const { answer, key } = await call(ctx, { method: 'POST', target: { kind: 'upload-start' }, query: forwardedQuery(ctx), headers: clientUploadHeaders(ctx), body });
    if (answer.uploadUrl !== undefined) {
      const id = await deps.affinity.openUpload({ ...key, url: answer.uploadUrl });
      const prefix = ctx.path.startsWith('/gemini/') ? '/gemini' : '';
      answer.headers['x-goog-upload-url'] = `${ctx.protocol}://${ctx.host}${prefix}/upload/v1beta/files?upload_id=${id}&upload_protocol=resumable`;
    }
    // A single-request upload (multipart or media) answers with the file at once.
    const file = describedFile(answer.body);
    if (file !== undefined) await deps.affinity.remember(file, key);
    writeAnswer(ctx, answer);
  };

  const sendChunk = async (ctx: GatewayContext, id: string) => {
    const session = await deps.affinity.upload(id);
    if (!session || session.provider !== gemini().settings.id) throw new GatewayError(404, 'No upload in progress has this upload_id (it finished, expired or never existed).');
    const body = await readRawBody(ctx, deps.maxBodyBytes);
    const { answer } = await call(ctx, { method: 'POST', target: { kind: 'upload-chunk', url: session.url }, query: '', headers: clientUploadHeaders(ctx), body }, session.keyId);
    if (answer.headers['x-goog-upload-status'] === 'final') {
      const file = describedFile(answer.body);
      if (file !== undefined) await deps.affinity.remember(file, session);
      await deps.affinity.closeUpload(id);
    }
    writeAnswer(ctx, answer);
  };

  // The chunks of an upload are authorised by its unguessable id, as Google's own upload URLs are.
  router.post(UPLOAD_PATH, errorHandler(deps.logger, deps.maxBodyBytes, googleErrorReply), async (ctx, next) => {
    const id = ctx.query.upload_id;
    if (typeof id === 'string') return sendChunk(ctx, id);
    return next();
  }, ...guard, startUpload);
  router.get(FILES_PATH, ...guard, async (ctx) => {
    writeAnswer(ctx, (await call(ctx, { method: 'GET', target: { kind: 'api', path: '/files' }, query: forwardedQuery(ctx), headers: {}, body: undefined })).answer);
  });
  router.get(FILE_PATH, ...guard, async (ctx) => {
    const file = `files/${FILE_PATH.exec(ctx.path)![1]!}`;
    writeAnswer(ctx, (await call(ctx, { method: 'GET', target: { kind: 'api', path: `/${file}` }, query: forwardedQuery(ctx), headers: {}, body: undefined }, await pinOf(file))).answer);
  });
  router.delete(FILE_PATH, ...guard, async (ctx) => {
    const file = `files/${FILE_PATH.exec(ctx.path)![1]!}`;
    const { answer } = await call(ctx, { method: 'DELETE', target: { kind: 'api', path: `/${file}` }, query: forwardedQuery(ctx), headers: {}, body: undefined }, await pinOf(file));
    await deps.affinity.forget(file);
    writeAnswer(ctx, answer);
  });
}
