/** One mistake in the config file: where it is (a dotted path such as `routes.gpt-4o.targets[1].weight`) and why. */
export interface ConfigFileError {
  path: string;
  /** 1-based line in the file, when the path leads to a node of it. */
  line: number | undefined;
  message: string;
}

export type ConfigPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z0-9_*?-]+$/;

/** `['routes', 'gpt-3.5', 'targets', 1]` → `routes["gpt-3.5"].targets[1]`; keys with dots or spaces are quoted. */
export function formatConfigPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

export function formatConfigError(error: ConfigFileError): string {
  const where = error.path === '' ? error.message : `${error.path}: ${error.message}`;
  return error.line === undefined ? where : `${where}, line ${error.line}`;
}

export function formatConfigErrors(errors: readonly ConfigFileError[]): string {
  return errors.map(formatConfigError).join('\n');
}
