/**
 * A fault-injecting HTTP proxy for Stripe (stripe-mock behind it). Of the requests, a share fail with a 5xx
 * Stripe-style error, a share hang past the client's timeout without reaching Stripe, and a share reach
 * Stripe but lose the answer (the worst case: Stripe acted, the caller cannot know); the rest pass through.
 * It records every request that reached Stripe, so tests can prove retries reused their idempotency keys
 * (nothing was doubled). `answer` gives Stripe's documented reply where stripe-mock has none.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultRates {
  errorRate: number;
  timeoutRate: number;
  /** Forwarded to Stripe, the answer never delivered (the connection hangs, then breaks). */
  lostReplyRate?: number;
}

export interface FaultProxyOptions extends FaultRates {
  target: string;
  /** How long a hanging request (timeout, lost reply) hangs before its socket is destroyed. */
  hangMs: number;
  /** Deterministic faults: a seeded generator instead of Math.random. */
  seed?: number;
  /** Stripe's own answer to a request that stripe-mock cannot give (it accepts any address, say); undefined: proxied. */
  answer?: (request: { method: string; path: string }) => { status: number; body: unknown } | undefined;
}

export interface ForwardedRequest {
  method: string;
  path: string;
  idempotencyKey?: string;
  status: number;
  /** The caller never got this answer (a lost-reply fault). */
  replyLost: boolean;
}

export interface FaultProxy {
  url: string;
  forwarded: ForwardedRequest[];
  injected: { errors: number; timeouts: number; lostReplies: number };
  /** Changes the fault rates from the next request on (an outage: `{ errorRate: 1 }`; then back). */
  setFaults(rates: Partial<FaultRates>): void;
  close(): Promise<void>;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const random = mulberry32(opts.seed ?? 42);
  const target = new URL(opts.target);
  const forwarded: ForwardedRequest[] = [];
  const injected = { errors: 0, timeouts: 0, lostReplies: 0 };
  const rates: Required<FaultRates> = {
    errorRate: opts.errorRate,
    timeoutRate: opts.timeoutRate,
    lostReplyRate: opts.lostReplyRate ?? 0,
  };
  const hang = (req: http.IncomingMessage) => setTimeout(() => req.socket.destroy(), opts.hangMs).unref();
  const server = http.createServer((req, res) => {
    const answer = opts.answer?.({ method: req.method ?? 'GET', path: (req.url ?? '').split('?')[0] });
    if (answer) {
      req.resume();
      res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Request-Id': 'req_answered' });
      res.end(JSON.stringify(answer.body));
      return;
    }
    const roll = random();
    if (roll < rates.errorRate) {
      injected.errors++;
      res.writeHead(500, { 'Content-Type': 'application/json', 'Request-Id': 'req_fault' });
      res.end(JSON.stringify({ error: { type: 'api_error', message: 'injected fault' } }));
      return;
    }
    if (roll < rates.errorRate + rates.timeoutRate) {
      injected.timeouts++;
      hang(req);
      return;
    }
    const replyLost = roll < rates.errorRate + rates.timeoutRate + rates.lostReplyRate;
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (upstreamRes) => {
        forwarded.push({
          method: req.method ?? 'GET',
          path: (req.url ?? '').split('?')[0],
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          status: upstreamRes.statusCode ?? 0,
          replyLost,
        });
        if (replyLost) {
          injected.lostReplies++;
          upstreamRes.resume();
          hang(req);
          return;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    injected,
    setFaults: (next) => Object.assign(rates, next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
