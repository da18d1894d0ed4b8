/** Calls to the gateway from the console and the playground: same-origin, the session cookie, the CSRF token. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly body: unknown,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;
const signedOutListeners = new Set<() => void>();

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when the gateway says the session ended, so the page can ask to sign in again. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** A bearer token (the playground's client key) instead of the session. */
  bearer?: string;
}

export function requestHeaders(options: RequestOptions): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  else if (csrfToken && (options.method ?? 'GET') !== 'GET') headers['x-csrf-token'] = csrfToken;
  return headers;
}

/** Throws an ApiError with the gateway's message for an answer that is not 2xx. */
export async function failIfNotOk(response: Response): Promise<Response> {
  if (response.ok) return response;
  const text = await response.text();
  let body: unknown = text;
  let message = `${response.status} ${response.statusText}`;
  let code: string | null = null;
  try {
    body = JSON.parse(text);
    const error = (body as { error?: { message?: string; code?: string } }).error;
    if (error?.message) message = error.message;
    code = error?.code ?? null;
  } catch {
    // not JSON: the status line says enough
  }
  if (response.status === 401 && (code === 'session_expired' || code === 'not_signed_in')) signedOutListeners.forEach((listener) => listener());
  throw new ApiError(response.status, message, code, body);
}

export async function request(path: string, options: RequestOptions = {}): Promise<Response> {
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers: requestHeaders(options),
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: 'same-origin',
    signal: options.signal,
  });
  return failIfNotOk(response);
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await request(path, options);
  const text = await response.text();
  return (text === '' ? {} : JSON.parse(text)) as T;
}

export interface SessionInfo {
  csrf_token: string;
  expires_at: string;
}

/** The console session: asked for on load, opened with the admin token, closed on sign-out. */
export const consoleSession = {
  async current(): Promise<SessionInfo | null> {
    try {
      const info = await api<SessionInfo>('/admin/api/session');
      setCsrfToken(info.csrf_token);
      return info;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  },
  async signIn(token: string): Promise<SessionInfo> {
    const info = await api<SessionInfo>('/admin/api/session', { method: 'POST', body: { token } });
    setCsrfToken(info.csrf_token);
    return info;
  },
  async signOut(): Promise<void> {
    await api('/admin/api/session', { method: 'DELETE' }).catch(() => undefined);
    setCsrfToken(undefined);
  },
};
