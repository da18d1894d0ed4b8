import type { GeminiResponsePart, JsonObject, JsonValue } from './wire.js';

/** A complete function call from a response, whatever way it arrived. */
export interface AssembledFunctionCall {
  /** Gemini's own call id, when it sent one. */
  id?: string;
  name: string;
  args: JsonObject;
  thoughtSignature?: string;
}

type PartialArg = NonNullable<NonNullable<GeminiResponsePart['functionCall']>['partialArgs']>[number];
type PathStep = string | number;

const PATH_STEP = /\.([^.[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y;

/** `$.recipe.steps[0]` → ['recipe', 'steps', 0]; undefined for paths this reader does not understand. */
export function parseJsonPath(path: string): PathStep[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: PathStep[] = [];
  PATH_STEP.lastIndex = 1;
  while (PATH_STEP.lastIndex < path.length) {
    const match = PATH_STEP.exec(path);
    if (!match) return undefined;
    if (match[2] !== undefined) steps.push(Number(match[2]));
    else steps.push((match[1] ?? match[3] ?? match[4] ?? '').replace(/\\(.)/g, '$1'));
  }
  return steps;
}

function applyPartialArg(args: JsonObject, arg: PartialArg): void {
  const steps = parseJsonPath(arg.jsonPath);
  if (!steps || steps.length === 0) return;
  let container: JsonObject | JsonValue[] = args;
  for (let index = 0; index < steps.length - 1; index += 1) {
    const step = steps[index]!;
    const next = steps[index + 1]!;
    const existing: JsonValue | undefined = Array.isArray(container) ? container[step as number] : container[step];
    let child: JsonValue;
    if (existing !== null && typeof existing === 'object') child = existing;
    else child = typeof next === 'number' ? [] : {};
    if (Array.isArray(container)) container[step as number] = child;
    else container[step] = child;
    container = child as JsonObject | JsonValue[];
  }
  const last = steps.at(-1)!;
  const current: JsonValue | undefined = Array.isArray(container) ? container[last as number] : container[last];
  let value: JsonValue;
  if (arg.stringValue !== undefined) value = typeof current === 'string' ? current + arg.stringValue : arg.stringValue;
  else if (arg.numberValue !== undefined) value = arg.numberValue;
  else if (arg.boolValue !== undefined) value = arg.boolValue;
  else if (arg.nullValue !== undefined) value = null;
  else return;
  if (Array.isArray(container)) container[last as number] = value;
  else container[last] = value;
}

/**
 * Turns the function-call parts of one candidate into complete calls. On the Gemini API every `functionCall`
 * part is already complete. Vertex AI can stream the arguments (`streamFunctionCallArguments`): a part with the
 * name and `willContinue`, parts with `partialArgs` (JSON paths; strings arrive in pieces), then an empty
 * `functionCall` ending the call, which may also be left out (the next call or the end of the turn ends it).
 * Either way each call is handed out once, complete, so an OpenAI client receives it in one delta.
 */
export class FunctionCallAssembler {
  private pending: AssembledFunctionCall | undefined;

  accept(part: GeminiResponsePart): AssembledFunctionCall[] {
    const call = part.functionCall;
    if (!call) return [];
    const done: AssembledFunctionCall[] = [];
    if (call.name !== undefined) {
      if (this.pending) done.push(this.pending);
      this.pending = undefined;
      const started: AssembledFunctionCall = { name: call.name, args: (call.args as JsonObject | undefined) ?? {} };
      if (call.id !== undefined) started.id = call.id;
      if (part.thoughtSignature !== undefined) started.thoughtSignature = part.thoughtSignature;
      if (call.willContinue !== true && call.partialArgs === undefined) {
        done.push(started);
        return done;
      }
      this.pending = started;
    }
    const pending = this.pending;
    if (!pending) return done;
    if (pending.thoughtSignature === undefined && part.thoughtSignature !== undefined) pending.thoughtSignature = part.thoughtSignature;
    for (const arg of call.partialArgs ?? []) applyPartialArg(pending.args, arg);
    if (call.willContinue !== true) {
      done.push(pending);
      this.pending = undefined;
    }
    return done;
  }

  /** The call still being assembled, when the turn ends without its closing part. */
  flush(): AssembledFunctionCall[] {
    const pending = this.pending;
    this.pending = undefined;
    return pending ? [pending] : [];
  }
}
