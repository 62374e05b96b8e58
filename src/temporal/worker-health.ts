import http from 'node:http';
import type { Worker } from '@temporalio/worker';
import { workerRegistry } from '../metrics/worker';

/**
 * The worker's health and metrics endpoint (WORKER_HEALTH_PORT): GET /healthz is 200 while every pool's worker
 * is RUNNING (503 once it drains or fails); GET /metrics is our counters followed by the Temporal SDK's own
 * series (its Prometheus exporter on TEMPORAL_METRICS_BIND), so each worker is one scrape target.
 */
export async function startWorkerHealth(
  port: number,
  workers: Worker[],
  sdkMetricsBind: string | undefined,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.url === '/healthz') {
        const states = workers.map((w) => w.getState());
        const ok = states.every((s) => s === 'RUNNING');
        res.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', workers: states }));
      } else if (req.url === '/metrics') {
        const ours = await workerRegistry.metrics();
        const sdk = sdkMetricsBind
          ? await fetch(`http://${sdkMetricsBind}/metrics`).then(
              (r) => r.text(),
              () => '',
            )
          : '';
        res.writeHead(200, { 'Content-Type': workerRegistry.contentType });
        res.end(`${ours}\n${sdk}`);
      } else {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  return server;
}
