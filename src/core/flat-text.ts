/**
 * The parts as one flat string, for a header value made per call. Concatenated, it would be a tree of pieces (a cons
 * string) that a regular expression, such as Node's and undici's header value checks, first copies into one through
 * V8's runtime: dearer than joining, which makes the string flat at once.
 */
export const flatText = (...parts: string[]): string => parts.join('');
