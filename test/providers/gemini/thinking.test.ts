import test from 'ava';
import { GatewayError } from '../../../src/core/errors.js';
import { parseGeminiModel, thinkingControlOf } from '../../../src/providers/gemini/model-name.js';
import { type ThinkingRequest, toGeminiThinkingConfig } from '../../../src/providers/gemini/thinking.js';

const thinking = (overrides: Partial<ThinkingRequest> & { model: string }) =>
  toGeminiThinkingConfig({ nonThinking: false, reasoningEffort: undefined, operatorBudget: undefined, showThinking: false, ...overrides });

test('model names: models/ prefix and the gateway suffixes are taken off and remembered', (t) => {
  t.deepEqual(parseGeminiModel('models/gemini-2.5-flash-search'), { model: 'gemini-2.5-flash', search: true, nonThinking: false, image: false });
  t.deepEqual(parseGeminiModel('gemini-2.5-pro-non-thinking'), { model: 'gemini-2.5-pro', search: false, nonThinking: true, image: false });
  t.deepEqual(parseGeminiModel('gemini-2.5-flash-search-non-thinking'), { model: 'gemini-2.5-flash', search: true, nonThinking: true, image: false });
  // `-image` is the variant only for IMAGE_MODELS: real names end in it too.
  t.deepEqual(parseGeminiModel('gemini-2.0-flash-image', ['models/gemini-2.0-flash']), { model: 'gemini-2.0-flash', search: false, nonThinking: false, image: true });
  t.deepEqual(parseGeminiModel('gemini-2.5-flash-image'), { model: 'gemini-2.5-flash-image', search: false, nonThinking: false, image: false });
  t.is(thinkingControlOf('gemini-2.5-flash-lite'), 'budget');
  t.is(thinkingControlOf('gemini-3.1-pro-preview'), 'level');
  t.is(thinkingControlOf('gemini-2.0-flash'), 'none');
  t.is(thinkingControlOf('gemini-flash-latest'), 'budget');
  t.is(thinkingControlOf('gemma-3-27b-it'), 'none');
});

test('nothing asked, nothing shown: no thinkingConfig, the model default applies', (t) => {
  t.is(thinking({ model: 'gemini-2.5-flash' }), undefined);
  t.is(thinking({ model: 'gemini-3-pro-preview' }), undefined);
});

test('showing thinking asks for thought summaries on thinking models only', (t) => {
  t.deepEqual(thinking({ model: 'gemini-2.5-flash', showThinking: true }), { includeThoughts: true });
  t.deepEqual(thinking({ model: 'gemini-3-flash-preview', showThinking: true }), { includeThoughts: true });
  t.is(thinking({ model: 'gemini-2.0-flash', showThinking: true }), undefined);
});

test('Gemini 2.5: reasoning_effort → thinkingBudget, never a level', (t) => {
  t.deepEqual(thinking({ model: 'gemini-2.5-flash', reasoningEffort: 'low' }), { thinkingBudget: 1024 });
  t.deepEqual(thinking({ model: 'gemini-2.5-flash', reasoningEffort: 'medium', showThinking: true }), { thinkingBudget: 8192, includeThoughts: true });
  t.deepEqual(thinking({ model: 'gemini-2.5-flash', reasoningEffort: 'high' }), { thinkingBudget: 24576 });
  t.deepEqual(thinking({ model: 'gemini-2.5-pro', reasoningEffort: 'xhigh' }), { thinkingBudget: 32768 });
  t.deepEqual(thinking({ model: 'gemini-2.5-flash-lite', reasoningEffort: 'minimal' }), { thinkingBudget: 512 });
  t.deepEqual(thinking({ model: 'gemini-2.5-flash', reasoningEffort: 'none', showThinking: true }), { thinkingBudget: 0 });
  // 2.5 Pro cannot turn thinking off: its minimum instead.
  t.deepEqual(thinking({ model: 'gemini-2.5-pro', reasoningEffort: 'none' }), { thinkingBudget: 128 });
});

test('Gemini 3: reasoning_effort → thinkingLevel within what the model supports, never a budget', (t) => {
  t.deepEqual(thinking({ model: 'gemini-3-flash-preview', reasoningEffort: 'minimal' }), { thinkingLevel: 'minimal' });
  t.deepEqual(thinking({ model: 'gemini-3-flash-preview', reasoningEffort: 'medium', showThinking: true }), { thinkingLevel: 'medium', includeThoughts: true });
  t.deepEqual(thinking({ model: 'gemini-3-pro-preview', reasoningEffort: 'medium' }), { thinkingLevel: 'high' });
  t.deepEqual(thinking({ model: 'gemini-3-pro-preview', reasoningEffort: 'minimal' }), { thinkingLevel: 'low' });
  t.deepEqual(thinking({ model: 'gemini-3.1-pro-preview', reasoningEffort: 'medium' }), { thinkingLevel: 'medium' });
  t.deepEqual(thinking({ model: 'gemini-3-pro-preview', reasoningEffort: 'xhigh' }), { thinkingLevel: 'high' });
});

test('the -non-thinking suffix turns thinking off, or to the minimum where it cannot be off, and hides thoughts', (t) => {
  t.deepEqual(thinking({ model: 'gemini-2.5-flash', nonThinking: true, showThinking: true }), { thinkingBudget: 0 });
  t.deepEqual(thinking({ model: 'gemini-2.5-pro', nonThinking: true, showThinking: true }), { thinkingBudget: 128 });
  t.deepEqual(thinking({ model: 'gemini-3-flash-preview', nonThinking: true }), { thinkingLevel: 'minimal' });
  t.deepEqual(thinking({ model: 'gemini-3-pro-preview', nonThinking: true, reasoningEffort: 'high' }), { thinkingLevel: 'low' });
});

test("the operator's budget map applies when the client sends no reasoning_effort", (t) => {
  t.deepEqual(thinking({ model: 'gemini-2.5-flash', operatorBudget: 2048 }), { thinkingBudget: 2048 });
  t.deepEqual(thinking({ model: 'gemini-2.5-flash', operatorBudget: 2048, reasoningEffort: 'high' }), { thinkingBudget: 24576 });
  t.deepEqual(thinking({ model: 'gemini-2.5-flash', operatorBudget: -1, showThinking: true }), { thinkingBudget: -1, includeThoughts: true });
  t.deepEqual(thinking({ model: 'gemini-3-pro-preview', operatorBudget: 1000 }), { thinkingLevel: 'low' });
  t.deepEqual(thinking({ model: 'gemini-3-flash-preview', operatorBudget: 0 }), { thinkingLevel: 'minimal' });
  t.is(thinking({ model: 'gemini-3-flash-preview', operatorBudget: -1 }), undefined);
  t.deepEqual(thinking({ model: 'gemini-2.0-flash', operatorBudget: 0 }), { thinkingBudget: 0 });
});

test('an unknown reasoning_effort is the client’s mistake', (t) => {
  const error = t.throws(() => thinking({ model: 'gemini-2.5-flash', reasoningEffort: 'extreme' }));
  t.true(error instanceof GatewayError);
  t.is((error as GatewayError).status, 400);
  t.is((error as GatewayError).param, 'reasoning_effort');
});
