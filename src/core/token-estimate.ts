/**
 * A rough token count for text when the upstream reports none: about four characters a token for ASCII text, one
 * token a character for CJK and other scripts.
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) < 0x80) ascii++;
  return Math.ceil(ascii / 4 + (text.length - ascii));
}
