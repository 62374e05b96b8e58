/**
 * Shared benchmark plumbing (DESIGN §8): timing, percentiles, the printed table, and the last line —
 * one JSON object with the figure and a baseline measured in the same run.
 */
import { performance } from 'node:perf_hooks';

export const quick = process.argv.includes('--quick');

/** `--n 500` (or the default, smaller with --quick). */
export function argNumber(name: string, full: number, quickValue: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) {
    const value = Number(process.argv[i + 1]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
    return value;
  }
  return quick ? quickValue : full;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export function summarize(samples: number[]): LatencySummary {
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    n: samples.length,
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
    mean: round(samples.reduce((a, b) => a + b, 0) / (samples.length || 1)),
  };
}

/** Runs `task(i)` for i in [0, total) with at most `concurrency` in flight; returns each call's latency in ms. */
export async function runConcurrent(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<number[]> {
  const latencies: number[] = new Array(total);
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const i = next++;
      latencies[i] = (await timed(() => task(i))).ms;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  return latencies;
}

export function printTable(rows: Record<string, string | number>[]): void {
  console.table(rows);
}

export interface BenchResult {
  bench: string;
  metric: string;
  value: number;
  baseline?: number;
  goal?: string;
  extra?: Record<string, unknown>;
}

/** The last line a benchmark prints: `ratio` = value / baseline where a baseline exists. */
export function printResult(result: BenchResult): void {
  const ratio = result.baseline ? Math.round((result.value / result.baseline) * 100) / 100 : undefined;
  console.log(
    JSON.stringify({
      bench: result.bench,
      metric: result.metric,
      value: result.value,
      baseline: result.baseline,
      ratio,
      goal: result.goal,
      extra: result.extra,
    }),
  );
}
