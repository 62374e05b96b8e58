/**
 * npm run bench:progress [-- --quick] [--players N] [--updates N] [--rounds N]
 *
 * Progress updates arrive every few seconds from every open player, so PUT /api/enrollments/:id/progress/:lessonId
 * must cost little more than its SQL. `players` concurrent players (each its own student, enrollment and
 * keep-alive connection) send `updates` consecutive positions each, walking through the course's lessons,
 * against (a) the real API and (b) a bare Koa route running the same statement with no middleware
 * (bench/progress-server.ts). Rounds alternate the order (bare→api, api→bare) so drift on this shared machine
 * hits both alike; a warm-up round is discarded. The figure: API p50 / bare p50 under concurrent players
 * (goal ≤ 1.5). The same comparison for one player alone (`extra.serial_*`) shows the middleware's own cost per
 * request, which waiting for a database connection hides once the pool is busy.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import knexFactory from 'knex';
import { loadConfig } from '../src/config';
import { knexConfig } from '../src/db/knex';
import { startEphemeralSystem } from '../src/stack/ephemeral';
import { createCourse, createReadyLessons, createSale, createUser, type FixtureUser } from '../tests/support/fixtures';
import { argNumber, percentile, printResult, printTable, quick, summarize, timed } from './lib';

const PLAYERS = argNumber('players', 32, 16);
/** Per player and round; many short rounds average out the drift of a shared machine better than a few long ones. */
const UPDATES = argNumber('updates', 40, 20);
const ROUNDS = argNumber('rounds', 10, 4);
const LESSONS = 8;
const LESSON_SECONDS = 600;
/** Seconds the position advances per update (players report every ~10 s of playback). */
const STEP_SECONDS = 10;

type Variant = 'api' | 'bare';

interface Player {
  student: FixtureUser;
  enrollmentId: string;
  /** Next update's index: the position keeps advancing across rounds, as in a real session. */
  next: number;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

function log(line: string): void {
  process.stderr.write(`[bench:progress] ${line}\n`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const system = await startEphemeralSystem(process.env, log);
  let server: ReturnType<typeof fork> | undefined;
  const knex = knexFactory(knexConfig(system.env.DATABASE_URL as string));
  try {
    const config = loadConfig(system.env);
    log(`seeding ${PLAYERS} players on a course of ${LESSONS} lessons`);
    const instructor = await createUser(knex, config, 'instructor');
    const course = await createCourse(knex, instructor.id);
    const lessons = await createReadyLessons(knex, course.id, LESSONS, { durationSeconds: LESSON_SECONDS });
    const players: Player[] = [];
    for (let i = 0; i < PLAYERS; i++) {
      const student = await createUser(knex, config, 'student');
      const sale = await createSale(knex, { buyerId: student.id, courseId: course.id, grossCents: course.priceCents });
      players.push({ student, enrollmentId: sale.enrollmentId, next: 0 });
    }

    // The servers log at info (one line per request), as in production.
    const logFile = path.join(system.dataDir, 'logs', 'bench-progress-server.log');
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const out = fs.openSync(logFile, 'a');
    server = fork(path.join(__dirname, 'progress-server.ts'), [], {
      execArgv: ['--import', 'tsx'],
      // Players here send far more than the 120 updates/min a real player may: the budget would answer 429.
      env: { ...system.env, LOG_LEVEL: 'info', RATE_LIMITS_ENABLED: 'false' },
      stdio: ['ignore', out, out, 'ipc'],
    });
    fs.closeSync(out);
    const urls = await new Promise<Record<Variant, string>>((resolve, reject) => {
      server?.once('message', (m: { apiUrl: string; bareUrl: string }) => resolve({ api: m.apiUrl, bare: m.bareUrl }));
      server?.once('exit', (code) => reject(new Error(`bench server exited (${code}); see ${logFile}`)));
    });

    const agent = new http.Agent({ keepAlive: true, maxSockets: PLAYERS });
    const put = (variant: Variant, player: Player): Promise<number> => {
      const step = player.next++;
      const seconds = (step * STEP_SECONDS) % LESSON_SECONDS;
      const lesson = lessons[Math.floor((step * STEP_SECONDS) / LESSON_SECONDS) % LESSONS];
      const body = JSON.stringify({ progressSeconds: seconds + 0.25 });
      const url = new URL(`/api/enrollments/${player.enrollmentId}/progress/${lesson.id}`, urls[variant]);
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      };
      if (variant === 'api') headers.authorization = `Bearer ${player.student.token}`;
      else headers['x-student-id'] = player.student.id;
      return new Promise((resolve, reject) => {
        const req = http.request(url, { method: 'PUT', agent, headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
    };

    /** One block: each player of `group` sends `updates` consecutive positions, all players at once. */
    const block = async (
      variant: Variant,
      group: Player[],
      updates: number,
    ): Promise<{ latencies: number[]; ms: number }> => {
      const latencies: number[] = [];
      const failures: number[] = [];
      const { ms } = await timed(() =>
        Promise.all(
          group.map(async (player) => {
            for (let i = 0; i < updates; i++) {
              const { ms: latency, value: status } = await timed(() => put(variant, player));
              if (status !== 200) failures.push(status);
              latencies.push(latency);
            }
          }),
        ),
      );
      if (failures.length > 0)
        throw new Error(
          `${variant}: ${failures.length} updates failed (statuses ${[...new Set(failures)].join(', ')})`,
        );
      return { latencies, ms };
    };

    /** Warm-up, then `rounds` back-to-back pairs of blocks, the order alternating (bare→api, api→bare). */
    const compare = async (label: string, group: Player[], updates: number) => {
      log(`${label}: warm-up, then ${ROUNDS} rounds × ${group.length} player(s) × ${updates} updates per variant`);
      await block('bare', group, updates);
      await block('api', group, updates);
      const samples: Record<Variant, number[]> = { api: [], bare: [] };
      const wallMs: Record<Variant, number> = { api: 0, bare: 0 };
      const roundRatios: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const p50: Record<Variant, number> = { api: 0, bare: 0 };
        for (const variant of round % 2 === 0 ? (['bare', 'api'] as const) : (['api', 'bare'] as const)) {
          const { latencies, ms } = await block(variant, group, updates);
          samples[variant].push(...latencies);
          wallMs[variant] += ms;
          p50[variant] = percentile(latencies, 50);
        }
        roundRatios.push(p50.api / p50.bare);
        log(`  round ${round + 1}: p50 api ${p50.api.toFixed(2)} ms, bare ${p50.bare.toFixed(2)} ms`);
      }
      const stats = (variant: Variant) => ({
        ...summarize(samples[variant]),
        rps: Math.round(samples[variant].length / (wallMs[variant] / 1000)),
      });
      // The p50 ratio of each round (both variants measured back to back), their median: robust to drift.
      return { api: stats('api'), bare: stats('bare'), medianRoundRatio: round2(percentile(roundRatios, 50)) };
    };

    const concurrent = await compare(`${PLAYERS} concurrent players`, players, UPDATES);
    // One player alone: no queueing for connections, so the difference is the middleware's own cost per request.
    const serial = await compare('1 player', players.slice(0, 1), UPDATES * 2);
    agent.destroy();

    printTable([
      { players: PLAYERS, variant: 'api (full middleware)', ...concurrent.api },
      { players: PLAYERS, variant: 'bare Koa + same SQL', ...concurrent.bare },
      { players: 1, variant: 'api (full middleware)', ...serial.api },
      { players: 1, variant: 'bare Koa + same SQL', ...serial.bare },
    ]);
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s; server log: ${logFile}`);
    printResult({
      bench: 'progress',
      metric: 'p50_ms',
      value: concurrent.api.p50,
      baseline: concurrent.bare.p50,
      goal: '<=1.5',
      extra: {
        players: PLAYERS,
        requests_per_variant: concurrent.api.n,
        api_p95_ms: concurrent.api.p95,
        bare_p95_ms: concurrent.bare.p95,
        p95_ratio: round2(concurrent.api.p95 / concurrent.bare.p95),
        api_rps: concurrent.api.rps,
        bare_rps: concurrent.bare.rps,
        median_round_p50_ratio: concurrent.medianRoundRatio,
        serial_api_p50_ms: serial.api.p50,
        serial_bare_p50_ms: serial.bare.p50,
        serial_p50_ratio: round2(serial.api.p50 / serial.bare.p50),
        serial_overhead_ms: round2(serial.api.p50 - serial.bare.p50),
        quick,
      },
    });
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    await knex.destroy();
    await system.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
