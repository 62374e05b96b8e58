import http from 'node:http';

/**
 * The rehearsal's HTTP client: every call goes through nginx, from a source address of its own (the whole of
 * 127.0.0.0/8 is loopback on Linux), so that per-IP limits see many clients, as behind a real load balancer.
 * A call the system could not answer (connection cut, 502/503/504) is retried with the same body and the same
 * Idempotency-Key, as a well-behaved client does; every attempt is counted.
 */

export interface CallStats {
  sent: number;
  /** Attempts that failed and were sent again (network error, 502, 503, 504, 409 for a key still held). */
  retried: number;
  /** Calls that needed at least one retry (each ended answered: a call that never succeeds fails the rehearsal). */
  retriedCalls: number;
  /** 429 answers waited out (Retry-After). */
  rateLimited: number;
  /** Failures that led to a retry, by kind ("502", "ECONNRESET", ...). */
  retryReasons: Record<string, number>;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers, checked field by field by the caller
  json: any;
}

export class RehearsalError extends Error {
  override name = 'RehearsalError';
}

const RETRYABLE = new Set([502, 503, 504]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function once(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  localAddress: string,
): Promise<Omit<Answer, 'json'>> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.setTimeout(60_000, () => req.destroy(new Error('ETIMEDOUT')));
    req.on('error', reject);
    req.end(body);
  });
}

export class RehearsalClient {
  readonly stats: CallStats = { sent: 0, retried: 0, retriedCalls: 0, rateLimited: 0, retryReasons: {} };

  constructor(
    private readonly base: string,
    /**
     * How long one call keeps retrying: longer than the Idempotency-Key lease (IDEMPOTENCY_LEASE_SECONDS, 300 s), which
     * a request cut by a kill -9 holds until it ends.
     */
    private readonly retryForMs = 420_000,
  ) {}

  async call(
    method: string,
    path: string,
    opts: {
      from: string;
      token?: string;
      body?: unknown;
      raw?: string;
      headers?: Record<string, string>;
      idempotencyKey?: string;
      expect?: number[];
    },
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
    let body = opts.raw;
    if (body === undefined && opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const deadline = Date.now() + this.retryForMs;
    let retriedThis = false;
    for (let attempt = 1; ; attempt++) {
      this.stats.sent++;
      let reason: string;
      try {
        const res = await once(new URL(path, this.base), method, headers, body, opts.from);
        if (res.status === 429) {
          this.stats.rateLimited++;
          await sleep(Math.max(1, Number(res.headers['retry-after'] ?? '1') || 1) * 1000);
          continue;
        }
        // The first attempt's process died holding the key: the key frees once its lease ends (Retry-After says when to ask).
        const inProgress = res.status === 409 && res.text.includes('idempotency-key-in-progress');
        if (!RETRYABLE.has(res.status) && !inProgress) {
          const answer = { ...res, json: res.text ? safeJson(res.text) : {} };
          const expected = opts.expect ?? [200, 201, 202];
          if (!expected.includes(res.status))
            throw new RehearsalError(`${method} ${path} answered ${res.status}: ${res.text.slice(0, 300)}`);
          if (retriedThis) this.stats.retriedCalls++;
          return answer;
        }
        reason = inProgress ? '409 key in progress' : String(res.status);
        if (inProgress) {
          if (Date.now() > deadline)
            throw new RehearsalError(`${method} ${path} still in progress after ${attempt} attempts`);
          this.stats.retried++;
          retriedThis = true;
          this.stats.retryReasons[reason] = (this.stats.retryReasons[reason] ?? 0) + 1;
          await sleep(Math.max(1, Number(res.headers['retry-after'] ?? '1') || 1) * 1000);
          continue;
        }
      } catch (err) {
        if (err instanceof RehearsalError) throw err;
        reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      }
      if (Date.now() > deadline)
        throw new RehearsalError(`${method} ${path} still failing (${reason}) after ${attempt} attempts`);
      this.stats.retried++;
      retriedThis = true;
      this.stats.retryReasons[reason] = (this.stats.retryReasons[reason] ?? 0) + 1;
      await sleep(Math.min(2000, 200 * attempt));
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
