import { compileGlob, isGlob } from '../../core/glob.js';
import type { TokenRoutes } from './caller.js';

type ModelMap = Readonly<Record<string, string>>;

const globEntries = new WeakMap<ModelMap, [(name: string) => boolean, string][]>();
const allowlists = new WeakMap<TokenRoutes, ((name: string) => boolean)[] | undefined>();

/**
 * What a model map (a configured token's or a client key's: alias or glob → group or model) makes of a requested
 * name: the exact entry, else the first glob that matches (`*` last), else the name itself.
 */
export function mappedModel(modelMap: ModelMap, model: string): string {
  if (Object.hasOwn(modelMap, model)) return modelMap[model]!;
  let globs = globEntries.get(modelMap);
  if (!globs) {
    globs = Object.entries(modelMap)
      .filter(([name]) => isGlob(name))
      .sort(([a], [b]) => (a === '*' ? 1 : b === '*' ? -1 : 0))
      .map(([name, target]) => [compileGlob(name), target]);
    globEntries.set(modelMap, globs);
  }
  for (const [matches, target] of globs) if (matches(model)) return target;
  return model;
}

/** Whether the token may use a group or model (after its model map). */
export function tokenAllows(routes: TokenRoutes, name: string): boolean {
  let allowed = allowlists.get(routes);
  if (!allowlists.has(routes)) {
    allowed = routes.allowedGroups?.map((entry) => (isGlob(entry) ? compileGlob(entry) : (candidate: string) => candidate === entry));
    allowlists.set(routes, allowed);
  }
  return allowed === undefined || allowed.some((matches) => matches(name));
}
