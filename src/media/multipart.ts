import { randomBytes } from 'node:crypto';
import { invalidRequest } from '../core/errors.js';

/** One file of a multipart/form-data body. */
export interface FormFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

/** A multipart/form-data body: its text fields (the last value of a repeated one) and its files, by field name. */
export interface FormData {
  fields: Record<string, string>;
  /** Fields sent more than once (`timestamp_granularities[]`), every value in order. */
  lists: Record<string, string[]>;
  files: Record<string, FormFile>;
}

const notMultipart = () => invalidRequest('Expected a multipart/form-data body (as the OpenAI SDKs send files).');

/** The boundary of a `multipart/form-data; boundary=…` content type; undefined for any other type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** `name="x"; filename="y"` of a Content-Disposition header. */
function dispositionParam(header: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header) ?? new RegExp(`;\\s*${name}=([^;\\s]+)`, 'i').exec(header);
  return match?.[1]?.replace(/\\(.)/g, '$1');
}

/**
 * Parses a multipart/form-data body (RFC 7578) that is already read whole (and bounded by the body size limit): each
 * part's headers, then its bytes up to the next boundary. A body that does not follow the format is a 400.
 */
export function parseMultipart(body: Buffer, contentType: string | undefined): FormData {
  const boundary = multipartBoundary(contentType);
  if (boundary === undefined) throw notMultipart();
  const delimiter = Buffer.from(`--${boundary}`);
  const form: FormData = { fields: {}, lists: {}, files: {} };
  let position = body.indexOf(delimiter);
  if (position < 0) throw notMultipart();
  for (;;) {
    position += delimiter.length;
    // `--` after a delimiter closes the body.
    if (body[position] === 0x2d && body[position + 1] === 0x2d) return form;
    const headersEnd = body.indexOf(HEADER_END, position);
    if (headersEnd < 0) throw notMultipart();
    const headers = body.subarray(position, headersEnd).toString('utf8');
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd + HEADER_END.length);
    if (next < 0) throw notMultipart();
    const data = body.subarray(headersEnd + HEADER_END.length, next);
    const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
    const name = dispositionParam(disposition, 'name');
    if (name !== undefined) {
      const filename = dispositionParam(disposition, 'filename');
      if (filename !== undefined) {
        const type = /^content-type:\s*(.*)$/im.exec(headers)?.[1]?.trim() || 'application/octet-stream';
        form.files[name] = { filename, contentType: type, data };
      } else {
        const value = data.toString('utf8');
        form.fields[name] = value;
        (form.lists[name] ??= []).push(value);
      }
    }
    position = next + 2;
  }
}

const quoted = (value: string) => value.replace(/["\\\r\n]/g, (character) => (character === '"' ? '%22' : character === '\\' ? '\\\\' : ''));

/** A multipart/form-data body of `form`, for an upstream that takes one; its content type names the boundary. */
export function encodeMultipart(form: FormData): { body: Buffer; contentType: string } {
  const boundary = `----gateway${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  const head = (text: string) => parts.push(Buffer.from(text, 'utf8'));
  for (const [name, values] of Object.entries(form.lists)) {
    for (const value of values) head(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`);
  }
  for (const [name, file] of Object.entries(form.files)) {
    head(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"; filename="${quoted(file.filename)}"\r\nContent-Type: ${file.contentType}\r\n\r\n`);
    parts.push(file.data);
    head('\r\n');
  }
  head(`--${boundary}--\r\n`);
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** `form` with one text field set (every earlier value of it replaced). */
export function withField(form: FormData, name: string, value: string): FormData {
  return { ...form, fields: { ...form.fields, [name]: value }, lists: { ...form.lists, [name]: [value] } };
}
