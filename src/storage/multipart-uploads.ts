/**
 * S3 multipart uploads of lesson videos: the browser PUTs each part to a presigned URL, the API assembles them.
 * Errors are S3's own (a 400 for wrong parts, a 404 once the upload is gone), for the caller to interpret.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PRESIGNED_URL_TTL_SECONDS, SERVER_SIDE_ENCRYPTION, type Bucket } from './video-objects';

/** 8 MiB parts, larger for large files so that no upload needs more than S3's 10,000 parts. */
export function partSizeFor(sizeBytes: number): number {
  const MiB = 1024 * 1024;
  return Math.max(8 * MiB, Math.ceil(sizeBytes / 10_000 / MiB) * MiB);
}

/** Starts a multipart upload at `key`; returns its upload id. */
export async function createMultipartUpload(bucket: Bucket, key: string, contentType: string): Promise<string> {
  const { UploadId } = await bucket.s3.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket.name,
      Key: key,
      ContentType: contentType,
      ServerSideEncryption: SERVER_SIDE_ENCRYPTION,
    }),
  );
  if (!UploadId) throw new Error('S3 returned no upload id');
  return UploadId;
}

/** A URL the client PUTs one part's bytes to (valid PRESIGNED_URL_TTL_SECONDS). */
export function presignedPartUrl(bucket: Bucket, key: string, uploadId: string, partNumber: number): Promise<string> {
  return getSignedUrl(
    bucket.s3,
    new UploadPartCommand({ Bucket: bucket.name, Key: key, UploadId: uploadId, PartNumber: partNumber }),
    { expiresIn: PRESIGNED_URL_TTL_SECONDS },
  );
}

/** Assembles the parts (in part-number order) into the object. */
export async function completeMultipartUpload(
  bucket: Bucket,
  key: string,
  uploadId: string,
  parts: readonly { partNumber: number; etag: string }[],
): Promise<void> {
  await bucket.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket.name,
      Key: key,
      UploadId: uploadId,
      MultipartUpload: {
        Parts: [...parts]
          .sort((a, b) => a.partNumber - b.partNumber)
          .map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
      },
    }),
  );
}

/** Abandons an unfinished upload (its parts are deleted). */
export async function abortMultipartUpload(bucket: Bucket, key: string, uploadId: string): Promise<void> {
  await bucket.s3.send(new AbortMultipartUploadCommand({ Bucket: bucket.name, Key: key, UploadId: uploadId }));
}
