import { modelNotFound } from '../core/errors.js';
import { compileGlob, isGlob } from '../core/glob.js';
import type { ProviderSettings } from '../config/load.js';
import { PROVIDER_DEFINITIONS, type ConfiguredProvider } from '../providers/registry.js';
import type { RoutePlan } from './dispatcher.js';

export interface ModelRoute {
  readonly target: ConfiguredProvider;
  /** The name the upstream knows: the client's name without the gateway's `provider/` prefix. */
  readonly upstreamModel: string;
  /** For a model group's target, its id (`<upstream>/<model>`), which routing state is kept under. */
  readonly targetId?: string;
  /** The model name the answer shows when it is not the upstream's: the group name the client asked for. */
  readonly answerModel?: string;
}

const MAX_REMEMBERED_ROUTES = 1000;

/** The name an upstream knows a public model by: its model map's entry, else the same name. */
export function upstreamModelName(settings: ProviderSettings, model: string): string {
  const map = settings.modelMap;
  return map !== undefined && Object.hasOwn(map, model) ? map[model]! : model;
}

interface DeclaredModel {
  matches: (name: string) => boolean;
  target: ConfiguredProvider;
}

/**
 * Model name → provider. An operator-declared exact name wins; then `provider/model` picks a provider explicitly;
 * then declared globs; then the model family (`gpt-*` → OpenAI). A family whose provider is not configured is
 * reported as such.
 */
export class ModelResolver {
  private readonly byPrefix = new Map<string, ConfiguredProvider>();
  private readonly unconfiguredPrefixes = new Set<string>();
  private readonly declaredExactly = new Map<string, ConfiguredProvider>();
  /** Operator-declared globs, checked after explicit prefixes. */
  private readonly declared: DeclaredModel[] = [];
  private readonly families: { pattern: RegExp; kind: string; target: ConfiguredProvider | undefined }[] = [];
  private readonly plans = new Map<string, RoutePlan>();

  constructor(all: readonly ConfiguredProvider[]) {
    // An upstream served only on routes of its own (Vertex express) is no model name's route.
    const configured = all.filter((target) => target.definition.nativeRoutesOnly !== true);
    for (const target of configured) {
      this.byPrefix.set(target.settings.id.toLowerCase(), target);
      for (const alias of target.definition.aliases) this.byPrefix.set(alias, target);
    }
    for (const definition of Object.values(PROVIDER_DEFINITIONS)) {
      const target = configured.find((entry) => entry.definition === definition && entry.settings.kind !== 'openai-compatible');
      if (definition.kind !== 'openai-compatible' && definition.nativeRoutesOnly !== true && !target) {
        this.unconfiguredPrefixes.add(definition.kind);
        for (const alias of definition.aliases) this.unconfiguredPrefixes.add(alias);
      }
      for (const pattern of definition.modelFamilies) this.families.push({ pattern, kind: definition.kind, target });
    }
    for (const target of configured) {
      for (const name of target.settings.models) {
        if (isGlob(name)) this.declared.push({ matches: compileGlob(name), target });
        else if (!this.declaredExactly.has(name)) this.declaredExactly.set(name, target);
      }
    }
  }

  /** The provider configured under `id` (its name, not an alias), if any. */
  provider(id: string): ConfiguredProvider | undefined {
    const target = this.byPrefix.get(id.toLowerCase());
    return target?.settings.id === id ? target : undefined;
  }

  /** The route of a model name. */
  resolve(model: string): ModelRoute {
    return this.plan(model).routes[0]!;
  }

  /** The plan of a model name (its one route); the same object for the same name, as routes never change while running. */
  plan(model: string): RoutePlan {
    let plan = this.plans.get(model);
    if (plan) return plan;
    plan = { routes: [this.find(model)] };
    // Bounded, as names come from clients.
    if (this.plans.size >= MAX_REMEMBERED_ROUTES) this.plans.clear();
    this.plans.set(model, plan);
    return plan;
  }

  private find(model: string): ModelRoute {
    // An operator's exact model name wins over everything: `anthropic/claude-3` may be a proxy's own model id.
    const declared = this.declaredExactly.get(model);
    if (declared) return { target: declared, upstreamModel: upstreamModelName(declared.settings, model) };
    const slash = model.indexOf('/');
    if (slash > 0) {
      const prefix = model.slice(0, slash).toLowerCase();
      const rest = model.slice(slash + 1);
      const target = this.byPrefix.get(prefix);
      if (target && rest !== '') return { target, upstreamModel: rest };
      if (this.unconfiguredPrefixes.has(prefix) && !this.declared.some((entry) => entry.matches(model))) {
        throw modelNotFound(model, `Provider "${prefix}" is not configured on this gateway.`);
      }
    }
    for (const entry of this.declared) {
      if (entry.matches(model)) return { target: entry.target, upstreamModel: model };
    }
    let unconfiguredKind: string | undefined;
    for (const family of this.families) {
      if (!family.pattern.test(model)) continue;
      if (family.target) return { target: family.target, upstreamModel: model };
      unconfiguredKind ??= family.kind;
    }
    throw modelNotFound(model, unconfiguredKind && `Provider "${unconfiguredKind}" is not configured on this gateway.`);
  }
}
