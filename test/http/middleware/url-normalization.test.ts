import test from 'ava';
import { normalizedGeminiPath } from '../../../src/http/middleware/url-normalization.js';

test('odd Gemini paths go to the native route they mean; served paths and other routes are left alone', (t) => {
  t.is(normalizedGeminiPath('/v1/v1beta/models/gemini-2.5-flash:generateContent', 'POST', {}), '/v1beta/models/gemini-2.5-flash:generateContent');
  t.is(normalizedGeminiPath('/api/v1beta/models/gemini-2.5-flash:streamgeneratecontent', 'POST', { alt: 'sse' }), '/v1beta/models/gemini-2.5-flash:streamGenerateContent');
  t.is(normalizedGeminiPath('/proxy/generateContent', 'POST', { model: 'gemini-2.5-pro', stream: 'true' }), '/v1beta/models/gemini-2.5-pro:streamGenerateContent');
  t.is(normalizedGeminiPath('/x/v1beta/models', 'GET', {}), '/v1beta/models');
  t.is(normalizedGeminiPath('/proxy/generateContent', 'POST', {}), undefined, 'no model named: left as it is');
  for (const served of ['/v1beta/models', '/gemini/v1beta/models/gemini-2.5-flash:generateContent', '/v1beta/models/text-embedding-004:batchEmbedContents', '/v1beta/models/gemini-2.5-flash']) {
    t.is(normalizedGeminiPath(served, 'POST', {}), undefined, served);
  }
  t.is(normalizedGeminiPath('/v1/chat/completions', 'POST', {}), undefined);
});
