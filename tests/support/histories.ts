/**
 * Workflow histories as JSON files, in the format the Temporal Web UI and CLI download ("proto JSON"), so a
 * history exported from a real deployment can be dropped into tests/workflows/histories/ as is.
 *
 * Why not `historyToJSON` / `historyFromJSON` of @temporalio/common: in this install @temporalio/common and
 * @temporalio/proto each carry their own copy of protobufjs, and those helpers mix the two ("type must be a
 * Type"). The protojson codec used here is the one of the protobufjs copy that built the History type.
 */
import { createRequire } from 'node:module';
import { temporal } from '@temporalio/proto';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

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
