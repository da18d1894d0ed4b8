import { formatConfigPath, type ConfigPath } from './errors.js';

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** LiteLLM's form: the whole value names a variable. */
const LITELLM_REFERENCE = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;

export interface MissingVariable {
  path: ConfigPath;
  name: string;
}

export interface Substituted {
  value: unknown;
  /** Paths (as `formatConfigPath` writes them) of the strings that took a value from the environment. */
  secretPaths: string[];
  missing: MissingVariable[];
}

/** Replaces `${NAME}` anywhere in a string value and `os.environ/NAME` as a whole value; map keys are left as written. */
export function substituteEnvironment(value: unknown, env: Record<string, string | undefined>): Substituted {
  const secretPaths: string[] = [];
  const missing: MissingVariable[] = [];

  const visit = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') return substituteString(node, path);
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, visit(item, [...path, key])]));
    }
    return node;
  };

  const substituteString = (text: string, path: ConfigPath): string => {
    // A missing variable leaves its reference in place, so the value is not also reported as empty.
    const lookUp = (name: string, reference: string): string => {
      const found = env[name];
      if (found === undefined) missing.push({ path, name });
      return found ?? reference;
    };
    const reference = LITELLM_REFERENCE.exec(text);
    let result: string;
    if (reference) result = lookUp(reference[1]!, text);
    else if (text.includes('${')) result = text.replace(PLACEHOLDER, (whole, name: string) => lookUp(name, whole));
    else return text;
    if (result !== text) secretPaths.push(formatConfigPath(path));
    return result;
  };

  return { value: visit(value, []), secretPaths, missing };
}
