import { loadEnvFile } from '../config';
import { prepareStack } from '../stack/bootstrap';
import { runMain } from './run-main';

/**
 * `npm run bootstrap`: the deploy step before new API and worker processes start — migrations, Temporal search
 * attributes, the bucket's CORS rule. Safe to run again; the compose file's `migrations` service runs it.
 */
runMain(async () => {
  loadEnvFile();
  await prepareStack(process.env, (line) => console.log(`bootstrap: ${line}`));
});
