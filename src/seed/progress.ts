import type { SeedProgress } from './seed';

/**
 * A progress bar on a terminal (`courses [██████░░░░░░░░░░░░░░]  31% 15,500/50,000 4.2s`), redrawn in place;
 * elsewhere (CI logs, pipes) one line per phase and every quarter, so logs stay short.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): SeedProgress & { done(): void } {
  const started = Date.now();
  const tty = stream.isTTY === true;
  let lastPhase = '';
  let lastQuarter = -1;
  let lastDraw = 0;
  const report = (phase: string, done: number, total: number) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const counts = `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
    if (tty) {
      if (phase === lastPhase && fraction < 1 && Date.now() - lastDraw < 100) return;
      lastDraw = Date.now();
      const width = 24;
      const filled = Math.round(fraction * width);
      const line = `${phase.padEnd(8)} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${counts} ${seconds}s`;
      stream.write(`${phase !== lastPhase && lastPhase ? '\n' : '\r'}${line}`);
    } else {
      const quarter = Math.floor(fraction * 4);
      if (phase === lastPhase && quarter === lastQuarter) return;
      lastQuarter = quarter;
      stream.write(`${phase} ${Math.round(fraction * 100)}% ${counts} ${seconds}s\n`);
    }
    lastPhase = phase;
  };
  return Object.assign(report, {
    done() {
      if (tty && lastPhase) stream.write('\n');
    },
  });
}
