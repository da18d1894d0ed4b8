import { z } from 'zod';
import { invalidRequest } from '../../core/errors.js';
import type { AspectRatio, GeneratedImage } from '../types.js';
import type { GeminiGenerateContentRequest, GeminiGenerateContentResponse } from './wire.js';

/** Imagen answers at most four images a call. */
export const MAX_IMAGEN_IMAGES = 4;

/** Imagen models generate through `:predict`; Gemini's image models through `:generateContent`. */
export const isImagenModel = (model: string): boolean => /^imagen-/.test(model);

/** Imagen's `:predict` request (https://ai.google.dev/gemini-api/docs/imagen). */
export interface ImagenPredictRequest {
  instances: [{ prompt: string }];
  parameters: { sampleCount: number; aspectRatio?: AspectRatio };
}

export function toImagenRequest(prompt: string, n: number, aspectRatio: AspectRatio | undefined): ImagenPredictRequest {
  if (n > MAX_IMAGEN_IMAGES) throw invalidRequest(`Imagen makes at most ${MAX_IMAGEN_IMAGES} images a call; 'n' was ${n}.`, 'n', 'invalid_value');
  return { instances: [{ prompt }], parameters: { sampleCount: n, ...(aspectRatio ? { aspectRatio } : {}) } };
}

export const imagenPredictResponseSchema = z.looseObject({
  predictions: z.array(z.looseObject({ bytesBase64Encoded: z.string().optional(), mimeType: z.string().optional() })).optional(),
});

/** Imagen's predictions → images; a prediction without bytes (filtered by Imagen's safety) is left out. */
export function fromImagenResponse(response: z.infer<typeof imagenPredictResponseSchema>): GeneratedImage[] {
  return (response.predictions ?? []).flatMap((prediction) =>
    prediction.bytesBase64Encoded ? [{ mimeType: prediction.mimeType ?? 'image/png', base64: prediction.bytesBase64Encoded }] : [],
  );
}

/** A prompt for a Gemini image model (`gemini-2.5-flash-image`): text and image out, in the aspect ratio asked. */
export function toImageModelRequest(prompt: string, n: number, model: string, aspectRatio: AspectRatio | undefined): GeminiGenerateContentRequest {
  if (n > 1) throw invalidRequest(`The model \`${model}\` makes one image per call; send 'n': 1 (or one request per image).`, 'n', 'invalid_value');
  return {
    contents: [{ role: 'user', parts: [{ text: prompt }] }],
    generationConfig: { responseModalities: ['TEXT', 'IMAGE'], ...(aspectRatio ? { imageConfig: { aspectRatio } } : {}) },
  };
}

/** The inline images of an answer, each with the text the model said beside them. */
export function imagesOfAnswer(response: GeminiGenerateContentResponse): GeneratedImage[] {
  const parts = response.candidates?.[0]?.content?.parts ?? [];
  const said = parts
    .filter((part) => part.text !== undefined && part.thought !== true)
    .map((part) => part.text)
    .join('')
    .trim();
  return parts.flatMap((part) =>
    part.inlineData && part.inlineData.mimeType.startsWith('image/') && part.thought !== true
      ? [{ mimeType: part.inlineData.mimeType, base64: part.inlineData.data, ...(said ? { revisedPrompt: said } : {}) }]
      : [],
  );
}
