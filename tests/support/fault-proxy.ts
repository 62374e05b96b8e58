/**
 * A fault-injecting HTTP proxy for Stripe (stripe-mock behind it): a share of requests fail with a 5xx
 * Stripe-style error, a share hang past the client's timeout, the rest pass through. It records every
 * forwarded request so tests can prove retries reused their idempotency keys (nothing was doubled).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultProxyOptions {
  target: string;
  errorRate: number;
  timeoutRate: number;
  /** How long a "timeout" request hangs before its socket is destroyed. */
  hangMs: number;
  /** Deterministic faults: a seeded generator instead of Math.random. */
  seed?: number;
}

export interface ForwardedRequest {
  method: string;
  path: string;
  idempotencyKey?: string;
  status: number;
}

export interface FaultProxy {
  url: string;
  forwarded: ForwardedRequest[];
  injected: { errors: number; timeouts: number };
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
  const injected = { errors: 0, timeouts: 0 };
  const server = http.createServer((req, res) => {
    const roll = random();
    if (roll < opts.errorRate) {
      injected.errors++;
      res.writeHead(500, { 'Content-Type': 'application/json', 'Request-Id': 'req_fault' });
      res.end(JSON.stringify({ error: { type: 'api_error', message: 'injected fault' } }));
      return;
    }
    if (roll < opts.errorRate + opts.timeoutRate) {
      injected.timeouts++;
      setTimeout(() => req.socket.destroy(), opts.hangMs).unref();
      return;
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (upstreamRes) => {
        forwarded.push({
          method: req.method ?? 'GET',
          path: (req.url ?? '').split('?')[0],
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          status: upstreamRes.statusCode ?? 0,
        });
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
