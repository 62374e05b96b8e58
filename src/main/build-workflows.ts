import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DEFAULT_WORKFLOW_BUNDLE } from '../temporal/worker';
import { runMain } from './run-main';

/** `npm run build:workflows`: bundles workflows/ once (image build); production workers load the file. */
runMain(async () => {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
  fs.mkdirSync(path.dirname(DEFAULT_WORKFLOW_BUNDLE), { recursive: true });
  fs.writeFileSync(DEFAULT_WORKFLOW_BUNDLE, code);
  console.log(`workflow bundle: ${DEFAULT_WORKFLOW_BUNDLE} (${Math.round(code.length / 1024)} KiB)`);
});
