import { compileGlob, isGlob } from '../../core/glob.js';
import type { TokenRoutes } from './caller.js';

const matchers = new WeakMap<TokenRoutes, { map: [(name: string) => boolean, string][]; allowed: ((name: string) => boolean)[] | undefined }>();

function compiled(routes: TokenRoutes) {
  let entry = matchers.get(routes);
  if (!entry) {
    const globs = Object.entries(routes.modelMap).filter(([name]) => isGlob(name));
    entry = {
      // `*` last, so a narrower glob wins over it.
      map: globs.sort(([a], [b]) => (a === '*' ? 1 : b === '*' ? -1 : 0)).map(([name, target]) => [compileGlob(name), target]),
      allowed: routes.allowedGroups?.map((name) => (isGlob(name) ? compileGlob(name) : (candidate: string) => candidate === name)),
    };
    matchers.set(routes, entry);
  }
  return entry;
}

/** What a token's model map makes of a requested name: the exact entry, else the first glob that matches, else the name. */
export function mappedModel(routes: TokenRoutes, model: string): string {
  if (Object.hasOwn(routes.modelMap, model)) return routes.modelMap[model]!;
  for (const [matches, target] of compiled(routes).map) if (matches(model)) return target;
  return model;
}

/** Whether the token may use a group or model (after its model map). */
export function tokenAllows(routes: TokenRoutes, name: string): boolean {
  const allowed = compiled(routes).allowed;
  return allowed === undefined || allowed.some((matches) => matches(name));
}
