import type { UpstreamModel } from '../types.js';
import { createdSeconds } from './response.js';
import type { OllamaTagsResponse } from './wire.js';

/** `/api/tags` → the models the gateway lists: each local model by its full name (`llama3.1:8b`). */
export function toUpstreamModels(tags: OllamaTagsResponse): UpstreamModel[] {
  return (tags.models ?? []).map((model) => {
    const created = createdSeconds(model.modified_at);
    return created === undefined ? { id: model.name } : { id: model.name, created };
  });
}
