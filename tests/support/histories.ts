/**
 * Workflow histories as JSON files, in the format the Temporal Web UI and CLI download ("proto JSON"), so a
 * history exported from a real deployment can be dropped into tests/workflows/histories/ as is.
 *
 * Why not `historyToJSON` / `historyFromJSON` of @temporalio/common: in this install @temporalio/common and
 * @temporalio/proto each carry their own copy of protobufjs, and those helpers mix the two ("type must be a
 * Type"). The protojson codec used here is the one of the protobufjs copy that built the History type.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import { Worker } from '@temporalio/worker';
import { REPLAY_WORKER_NAME } from '../../src/temporal/shared';

type History = temporal.api.history.v1.IHistory;
interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const protoRequire = createRequire(require.resolve('@temporalio/proto'));
const protojson = protoRequire('protobufjs/ext/protojson') as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

export function historyToJson(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, temporal.api.history.v1.History.fromObject(history)), null, 2);
}

export function historyFromJson(json: string): temporal.api.history.v1.History {
  // Fields a newer server or SDK added are ignored, as the SDK's own loader does.
  return protojson.fromJson(historyType, JSON.parse(json), {
    ignoreUnknownFields: true,
  }) as temporal.api.history.v1.History;
}

/** Committed histories, replayed against every later version of the workflow code (tests/workflows/replay.test.ts). */
export const HISTORIES_DIR = path.join(__dirname, '..', 'workflows', 'histories');

/**
 * Replays each history recorded by a test file against the current workflow code; with `RECORD_HISTORIES=1`
 * also writes them to HISTORIES_DIR (as `<name>.json`), where they are replayed against future code.
 */
export async function replayAndRecord(histories: { name: string; history: History }[]): Promise<void> {
  const replays = Worker.runReplayHistories(
    { workflowsPath: require.resolve('../../workflows'), replayName: REPLAY_WORKER_NAME },
    histories.map(({ name, history }) => ({ workflowId: name, history })),
  );
  const failed: string[] = [];
  for await (const { workflowId, error } of replays) if (error) failed.push(`${workflowId}: ${error.message}`);
  expect(failed).toEqual([]);
  if (process.env.RECORD_HISTORIES === '1')
    for (const { name, history } of histories)
      fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), historyToJson(history));
}
