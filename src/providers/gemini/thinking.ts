import { invalidRequest } from '../../core/errors.js';
import { geminiGeneration, isProModel, thinkingControlOf } from './model-name.js';
import type { GeminiThinkingConfig, ThinkingLevel } from './wire.js';

export interface ThinkingRequest {
  /** The bare model name (no `models/`, no gateway suffixes). */
  model: string;
  /** The `-non-thinking` suffix was used. */
  nonThinking: boolean;
  /** The client's `reasoning_effort`, if any. */
  reasoningEffort: string | null | undefined;
  /** The operator's budget for this model (THINKING_BUDGET_MAP), if any. */
  operatorBudget: number | undefined;
  /** Whether thought summaries are shown to clients (SHOW_THINKING_PROCESS). */
  showThinking: boolean;
}

const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
type ReasoningEffort = (typeof EFFORTS)[number];

const LEVELS: readonly ThinkingLevel[] = ['minimal', 'low', 'medium', 'high'];

/** 2.5 Pro cannot turn thinking off; 128 is its smallest budget. */
const PRO_MINIMUM_BUDGET = 128;

function readEffort(value: string | null | undefined): ReasoningEffort | undefined {
  if (value === null || value === undefined) return undefined;
  if ((EFFORTS as readonly string[]).includes(value)) return value as ReasoningEffort;
  throw invalidRequest(`Invalid value for reasoning_effort: '${value}'. Supported values are: ${EFFORTS.join(', ')}.`, 'reasoning_effort', 'invalid_value');
}

/**
 * Budgets for 2.5 models. low/medium/high follow Google's own OpenAI-compatible endpoint (1K, 8K, 24K); `minimal`
 * is the smallest budget every 2.5 model accepts (Flash-Lite's floor is 512).
 */
function budgetForEffort(effort: Exclude<ReasoningEffort, 'none'>, pro: boolean): number {
  switch (effort) {
    case 'minimal':
      return pro ? PRO_MINIMUM_BUDGET : 512;
    case 'low':
      return 1024;
    case 'medium':
      return 8192;
    case 'high':
      return 24576;
    case 'xhigh':
    case 'max':
      return pro ? 32768 : 24576;
  }
}

/** Gemini 3 Pro takes only low/high, 3.1 Pro low/medium/high; Flash models take all four levels. */
function supportedLevels(model: string): readonly ThinkingLevel[] {
  if (!isProModel(model)) return LEVELS;
  return geminiGeneration(model) === 3 ? ['low', 'high'] : ['low', 'medium', 'high'];
}

/** The wanted level, or the next higher one the model supports. */
function clampLevel(wanted: ThinkingLevel, model: string): ThinkingLevel {
  const supported = supportedLevels(model);
  return LEVELS.slice(LEVELS.indexOf(wanted)).find((level) => supported.includes(level)) ?? 'high';
}

function levelForEffort(effort: Exclude<ReasoningEffort, 'none'>): ThinkingLevel {
  if (effort === 'xhigh' || effort === 'max') return 'high';
  return effort;
}

/** An operator budget expressed for a Gemini 3 model; -1 (dynamic) leaves the model's default level. */
function levelForBudget(budget: number): ThinkingLevel | undefined {
  if (budget < 0) return undefined;
  if (budget === 0) return 'minimal';
  if (budget <= 1024) return 'low';
  if (budget <= 8192) return 'medium';
  return 'high';
}

/**
 * The `thinkingConfig` for a request, or undefined when nothing needs saying. Precedence: the `-non-thinking`
 * model suffix (an explicit model choice), then the client's reasoning_effort, then the operator's budget map.
 * 2.5 models get a thinkingBudget, Gemini 3 a thinkingLevel, never both (sending both is a 400). Models that do not
 * think get no thinkingConfig at all (it is an error for them) unless the operator configured a budget.
 */
export function toGeminiThinkingConfig(request: ThinkingRequest): GeminiThinkingConfig | undefined {
  const effort = readEffort(request.reasoningEffort);
  const control = thinkingControlOf(request.model);
  const off = request.nonThinking || effort === 'none';
  const pro = isProModel(request.model);

  if (control === 'none') {
    if (request.operatorBudget === undefined) return undefined;
    return withThoughts({ thinkingBudget: request.operatorBudget }, request.showThinking && request.operatorBudget !== 0);
  }

  if (control === 'budget') {
    let budget: number | undefined;
    if (off) budget = pro ? PRO_MINIMUM_BUDGET : 0;
    else if (effort !== undefined) budget = budgetForEffort(effort, pro);
    else budget = request.operatorBudget;
    const config: GeminiThinkingConfig = budget === undefined ? {} : { thinkingBudget: budget };
    return withThoughts(config, request.showThinking && !off && budget !== 0);
  }

  let level: ThinkingLevel | undefined;
  if (off) level = supportedLevels(request.model)[0];
  else if (effort !== undefined) level = clampLevel(levelForEffort(effort), request.model);
  else if (request.operatorBudget !== undefined) {
    const wanted = levelForBudget(request.operatorBudget);
    level = wanted === undefined ? undefined : clampLevel(wanted, request.model);
  }
  const config: GeminiThinkingConfig = level === undefined ? {} : { thinkingLevel: level };
  return withThoughts(config, request.showThinking && !off);
}

function withThoughts(config: GeminiThinkingConfig, includeThoughts: boolean): GeminiThinkingConfig | undefined {
  if (includeThoughts) config.includeThoughts = true;
  return Object.keys(config).length === 0 ? undefined : config;
}
