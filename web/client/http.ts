// The requests to a synclog server: the token and client id on each, both error envelopes read
// into one ApiError, and Retry-After kept so the caller's backoff can honour it. Nothing here
// retries: whether a request may be repeated is the sync engine's decision.

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string,
              readonly body: Record<string, unknown> | null, readonly retryAfterMs: number) {
    super(message);
  }
}

// The network failed (offline, connection reset, no answer): the request may or may not have
// arrived, so only a request that is safe to repeat (a GET, a push with its Idempotency-Key)
// is sent again.
export class NetworkError extends Error {}

export interface ApiOptions {
  baseUrl: string;           // '' for the same origin as the page
  token: string;
  clientId: string;
  fetch?: typeof fetch;
}

export interface Answer<T> {
  status: number;
  data: T;
  headers: Headers;
}

export class Api {
  constructor(private readonly options: ApiOptions) {}

  get token(): string { return this.options.token; }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      'x-client-id': this.options.clientId,
      ...extra,
    };
    return h;
  }

  url(path: string): string { return this.options.baseUrl + path; }

  async send<T>(method: string, path: string, body?: string,
                extra: Record<string, string> = {}, signal?: AbortSignal): Promise<Answer<T>> {
    const headers = this.headers(extra);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const doFetch = this.options.fetch ?? fetch.bind(globalThis);
    let res: Response;
    try {
      res = await doFetch(this.url(path), { method, headers, body, signal, cache: 'no-store' });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new NetworkError(`no answer from the server (${(e as Error).message})`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new NetworkError(`the answer was cut off (${(e as Error).message})`);
    }
    let parsed: Record<string, unknown> | null = null;
    try {
      const v = text ? JSON.parse(text) : null;
      if (v && typeof v === 'object' && !Array.isArray(v)) parsed = v as Record<string, unknown>;
    } catch { /* not JSON: a proxy's page, handled below */ }
    if (res.status >= 200 && res.status < 300) {
      if (!parsed) throw new NetworkError(`an unreadable answer (${res.status}) from the server`);
      const data = ('data' in parsed ? parsed.data : parsed) as T;
      return { status: res.status, data, headers: res.headers };
    }
    throw errorOf(res, parsed);
  }

  get<T>(path: string, extra: Record<string, string> = {}) { return this.send<T>('GET', path, undefined, extra); }
  post<T>(path: string, body: unknown, extra: Record<string, string> = {}) {
    return this.send<T>('POST', path, typeof body === 'string' ? body : JSON.stringify(body), extra);
  }
  put<T>(path: string, body: unknown) { return this.send<T>('PUT', path, JSON.stringify(body)); }
  delete<T>(path: string) { return this.send<T>('DELETE', path); }
}

function retryAfterMs(res: Response): number {
  const v = res.headers.get('retry-after');
  if (!v) return 0;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(v);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : 0;
}

function errorOf(res: Response, body: Record<string, unknown> | null): ApiError {
  // {success:false, error:{code, message}} (sync errors) or {success:false, message, type}.
  const nested = body && typeof body.error === 'object' && body.error ? body.error as Record<string, unknown> : null;
  const code = String(nested?.code ?? body?.type ?? `http_${res.status}`);
  const message = String(nested?.message ?? body?.message ?? `the server answered ${res.status}`);
  return new ApiError(res.status, code, message, nested ?? body, retryAfterMs(res));
}
