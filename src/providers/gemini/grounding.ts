import type { GeminiGroundingMetadata } from './wire.js';

/** OpenAI's annotation for a cited web source, as its search-enabled models return it. */
export interface UrlCitation {
  type: 'url_citation';
  url_citation: { url: string; title: string; start_index: number; end_index: number };
}

export interface RenderedSources {
  /** Markdown appended to the message content. */
  text: string;
  /** One annotation per link, with offsets into the whole content (the text before included). */
  annotations: UrlCitation[];
}

const escapeLinkText = (text: string): string => text.replace(/[[\]\\]/g, (character) => `\\${character}`);

/**
 * The web sources Gemini grounded an answer on, as a markdown list appended after `contentLength` characters of
 * content, and as `url_citation` annotations that point at each link in that list. Sources are deduplicated by URL
 * and keep Gemini's order. Undefined when there is nothing to cite.
 */
export function renderGroundingSources(metadata: GeminiGroundingMetadata | undefined, contentLength: number): RenderedSources | undefined {
  const seen = new Set<string>();
  const sources: { url: string; title: string }[] = [];
  for (const chunk of metadata?.groundingChunks ?? []) {
    const source = chunk.web ?? chunk.retrievedContext;
    if (!source?.uri || seen.has(source.uri)) continue;
    seen.add(source.uri);
    sources.push({ url: source.uri, title: source.title || source.uri });
  }
  if (sources.length === 0) return undefined;

  let text = contentLength > 0 ? '\n\n**Sources:**\n' : '**Sources:**\n';
  const annotations: UrlCitation[] = [];
  sources.forEach((source, position) => {
    text += `${position + 1}. `;
    const link = `[${escapeLinkText(source.title)}](${source.url.replace(/\)/g, '%29')})`;
    const start = contentLength + text.length;
    text += `${link}\n`;
    annotations.push({
      type: 'url_citation',
      url_citation: { url: source.url, title: source.title, start_index: start, end_index: start + link.length },
    });
  });
  return { text, annotations };
}
