import { loadConfig } from '../config';
import { createKnex } from '../db/knex';
import { runMain } from './run-main';

/** `npm run migrate [-- latest|rollback|status]` against DATABASE_URL. */
runMain(async () => {
  const config = loadConfig();
  const command = process.argv[2] ?? 'latest';
  const knex = createKnex(config.DATABASE_URL);
  try {
    if (command === 'latest') {
      const [, applied] = (await knex.migrate.latest()) as [number, string[]];
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
    } else if (command === 'rollback') {
      const [, undone] = (await knex.migrate.rollback(undefined, true)) as [number, string[]];
      console.log(`rolled back: ${undone.join(', ') || 'nothing'}`);
    } else if (command === 'status') {
      const [done, pending] = (await knex.migrate.list()) as [{ name: string }[], { file: string }[]];
      console.log(`applied: ${done.length}, pending: ${pending.map((p) => p.file).join(', ') || 'none'}`);
    } else {
      throw new Error(`unknown command "${command}"; use latest, rollback or status`);
    }
  } finally {
    await knex.destroy();
  }
});
