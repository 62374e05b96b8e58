/**
 * Records a workflow's history as a replay fixture (binary protobuf: the SDK's JSON history loader trips over
 * the two protobufjs copies this install has). `npx tsx tests/workflows/histories/record.ts <workflowId> <file>`
 * with TEMPORAL_ADDRESS pointing at the server that ran it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { loadConfig } from '../../../src/config';
import { connectTemporal } from '../../../src/deps';

async function main(): Promise<void> {
  const [workflowId, file] = process.argv.slice(2);
  if (!workflowId || !file) throw new Error('usage: record.ts <workflowId> <file.binpb>');
  const client = await connectTemporal(loadConfig());
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    fs.writeFileSync(path.resolve(__dirname, file), temporal.api.history.v1.History.encode(history).finish());
  } finally {
    await client.connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
