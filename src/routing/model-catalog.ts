import { CancellationSource } from '../core/cancellation.js';
import { compileGlob, isGlob } from '../core/glob.js';
import type { Logger } from '../logging/logger.js';
import type { ConfiguredProvider } from '../providers/registry.js';
import type { UpstreamModel } from '../providers/types.js';
import type { Dispatcher } from './dispatcher.js';
import type { ModelResolver } from './model-resolver.js';

export interface ListedModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

interface CachedList {
  models: UpstreamModel[];
  fetchedAt: number;
}

const LIST_TIMEOUT_MS = 15_000;

/**
 * The models `/v1/models` shows: each configured provider's upstream list (cached for a while, fetched once for
 * concurrent callers, the stale copy or the built-in list kept when a refresh fails), narrowed to the operator's
 * declared models where there are any. Each id is spelled so that it routes back to its provider: bare when the
 * bare name resolves there, `provider/model` otherwise.
 */
export class ModelCatalog {
  /** By provider object: a reloaded config keeps the lists of the upstreams it did not change. */
  private readonly cache = new WeakMap<ConfiguredProvider, CachedList>();
  private readonly inFlight = new Map<ConfiguredProvider, Promise<UpstreamModel[]>>();
  private readonly startedAt = Math.floor(Date.now() / 1000);

  constructor(
    /** The providers and resolver of the config in force. */
    private readonly routes: () => { providers: readonly ConfiguredProvider[]; resolver: ModelResolver },
    private readonly dispatcher: Dispatcher,
    private readonly cacheMs: number,
    private readonly logger: Logger,
  ) {}

  async list(): Promise<ListedModel[]> {
    const { providers, resolver } = this.routes();
    // An upstream served only on routes of its own (Vertex express) is not in the list.
    const listable = providers.filter((target) => target.definition.nativeRoutesOnly !== true);
    const perProvider = await Promise.all(listable.map(async (target) => ({ target, models: await this.modelsOf(target) })));
    const listed: ListedModel[] = [];
    const seen = new Set<string>();
    for (const { target, models } of perProvider) {
      for (const model of models) {
        const id = publicId(resolver, target, model.id);
        if (seen.has(id)) continue;
        seen.add(id);
        listed.push({ id, object: 'model', created: model.created ?? this.startedAt, owned_by: target.settings.id });
      }
    }
    return listed;
  }

  private async modelsOf(target: ConfiguredProvider): Promise<UpstreamModel[]> {
    const declared = target.settings.models;
    if (declared.length > 0 && !declared.some(isGlob)) return declared.map((id) => ({ id }));
    const upstream = await this.upstreamModels(target);
    if (declared.length === 0) return upstream;
    const matchers = declared.map(compileGlob);
    const exact = declared.filter((name) => !isGlob(name)).map((id) => ({ id }));
    return [...exact, ...upstream.filter((model) => matchers.some((matches) => matches(model.id)))];
  }

  private upstreamModels(target: ConfiguredProvider): Promise<UpstreamModel[]> {
    const id = target.settings.id;
    const cached = this.cache.get(target);
    if (cached && Date.now() - cached.fetchedAt < this.cacheMs) return Promise.resolve(cached.models);
    const running = this.inFlight.get(target);
    if (running) return running;
    const fetching = this.dispatcher
      .run(target, (apiKey) => target.provider.listModels({ apiKey, cancellation: CancellationSource.after(LIST_TIMEOUT_MS) }))
      .then((models) => {
        this.cache.set(target, { models, fetchedAt: Date.now() });
        return models;
      })
      .catch((error: unknown) => {
        this.logger.warn({ provider: id, error: error instanceof Error ? error.message : String(error) }, 'could not fetch the upstream model list');
        return cached?.models ?? target.definition.fallbackModels.map((model) => ({ id: model }));
      })
      .finally(() => this.inFlight.delete(target));
    this.inFlight.set(target, fetching);
    return fetching;
  }
}

/** A model's id as listed: bare when the bare name routes to its provider, `provider/model` otherwise. */
function publicId(resolver: ModelResolver, target: ConfiguredProvider, model: string): string {
  try {
    if (resolver.resolve(model).target === target) return model;
  } catch {
    // not routable by its bare name
  }
  return `${target.settings.id}/${model}`;
}
