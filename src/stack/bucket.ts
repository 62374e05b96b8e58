import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Creates the bucket if it is missing — private: no ACL or policy grants anyone but the account. Idempotent;
 * what it did is returned for the start-up log. Its CORS rule is src/storage/bucket-cors.ts.
 */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<string[]> {
  const done: string[] = [];
  const exists = await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(
    () => true,
    (err: { $metadata?: { httpStatusCode?: number } }) => {
      if (err.$metadata?.httpStatusCode === 404) return false;
      throw err;
    },
  );
  if (!exists) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ACL: 'private' }));
    done.push(`bucket ${bucket} created (private)`);
  }
  return done;
}
