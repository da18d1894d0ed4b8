import type { z } from 'zod';
import type { ConfigPath } from './errors.js';

export interface SchemaProblem {
  path: ConfigPath;
  message: string;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  record: 'a map',
};

/**
 * Zod's issues as file problems: one per unknown field (at the field, so its line is the field's), "required" for a
 * missing one. Messages never include the input: it may be a secret.
 */
export function schemaProblems(issues: readonly z.core.$ZodIssue[]): SchemaProblem[] {
  return issues.flatMap((issue): SchemaProblem[] => {
    const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
    if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined) return [{ path, message: 'required' }];
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown field' }));
      case 'invalid_type':
        return [{ path, message: issue.message.startsWith('Invalid input') ? `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}` : issue.message }];
      case 'invalid_union':
        return [{ path, message: issue.message.startsWith('Invalid input') ? 'not any of the accepted forms' : issue.message }];
      default:
        return [{ path, message: issue.message }];
    }
  });
}
