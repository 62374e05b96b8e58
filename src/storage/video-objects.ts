import fs from 'node:fs';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { derivedVideoKeys } from '../domain/video';

/**
 * The lesson-video objects in the bucket: private, encrypted at rest (spec MKT-033), reached by clients
 * only through presigned URLs. Used by the API (uploads, playback, deletion) and by the ingest activities.
 */

/** Every object we write carries `x-amz-server-side-encryption: AES256`. */
export const SERVER_SIDE_ENCRYPTION = 'AES256' as const;

/** Playback and upload URLs live one hour (spec MKT-005, MKT-033). */
export const PRESIGNED_URL_TTL_SECONDS = 3600;

export interface Bucket {
  s3: S3Client;
  name: string;
}

export function presignedGetUrl(bucket: Bucket, key: string, expiresIn = PRESIGNED_URL_TTL_SECONDS): Promise<string> {
  return getSignedUrl(bucket.s3, new GetObjectCommand({ Bucket: bucket.name, Key: key }), { expiresIn });
}

/** A presigned GET that makes the browser download the object (the given Content-Disposition), never render it. */
export function presignedDownloadUrl(
  bucket: Bucket,
  key: string,
  contentDisposition: string,
  expiresIn = PRESIGNED_URL_TTL_SECONDS,
): Promise<string> {
  return getSignedUrl(
    bucket.s3,
    new GetObjectCommand({ Bucket: bucket.name, Key: key, ResponseContentDisposition: contentDisposition }),
    { expiresIn },
  );
}

/** The first `count` bytes of an object (fewer if it is shorter). */
export async function readObjectHead(bucket: Bucket, key: string, count: number): Promise<Uint8Array> {
  const response = await bucket.s3.send(
    new GetObjectCommand({ Bucket: bucket.name, Key: key, Range: `bytes=0-${count - 1}` }),
  );
  const bytes = response.Body ? await response.Body.transformToByteArray() : new Uint8Array();
  return bytes.subarray(0, count);
}

/** Size of an object, or undefined when it does not exist. */
export async function objectSize(bucket: Bucket, key: string): Promise<number | undefined> {
  try {
    const head = await bucket.s3.send(new HeadObjectCommand({ Bucket: bucket.name, Key: key }));
    return head.ContentLength;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function putFile(
  bucket: Bucket,
  key: string,
  file: string,
  contentType: string,
  abortSignal?: AbortSignal,
): Promise<void> {
  const { size } = await fs.promises.stat(file);
  await bucket.s3.send(
    new PutObjectCommand({
      Bucket: bucket.name,
      Key: key,
      Body: fs.createReadStream(file),
      ContentLength: size,
      ContentType: contentType,
      ServerSideEncryption: SERVER_SIDE_ENCRYPTION,
    }),
    { abortSignal },
  );
}

/** Deletes the keys (absent ones are fine), 1,000 per request. */
export async function deleteObjects(bucket: Bucket, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const result = await bucket.s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket.name,
        Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    const failed = (result.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
    if (failed.length > 0)
      throw new Error(`could not delete ${failed.length} object(s), first: ${failed[0].Key} ${failed[0].Code}`);
  }
}

export async function listKeys(bucket: Bucket, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await bucket.s3.send(
      new ListObjectsV2Command({ Bucket: bucket.name, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/**
 * Deletes what the ingest derived from a video (thumbnail, renditions) and, unless `keepOriginal`, the
 * original itself. Idempotent: safe to repeat, e.g. after a late write by an activity that was cancelled.
 */
export async function deleteVideoObjects(
  bucket: Bucket,
  videoKey: string,
  options: { keepOriginal?: boolean } = {},
): Promise<void> {
  const derived = derivedVideoKeys(videoKey);
  const streams = await listKeys(bucket, derived.streamPrefix);
  await deleteObjects(bucket, [...(options.keepOriginal ? [] : [videoKey]), derived.thumbnailKey, ...streams]);
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
