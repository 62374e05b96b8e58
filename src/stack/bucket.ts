import {
  CreateBucketCommand,
  GetBucketCorsCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  type CORSRule,
  type S3Client,
} from '@aws-sdk/client-s3';

/**
 * Browsers upload lesson videos straight to the bucket with presigned multipart URLs: they must be allowed to
 * PUT from the frontend's origin and to read each part's ETag (CompleteMultipartUpload needs them).
 */
export function uploadCorsRule(origins: string[]): CORSRule {
  return {
    AllowedOrigins: origins,
    AllowedMethods: ['GET', 'HEAD', 'PUT'],
    AllowedHeaders: ['*'],
    ExposeHeaders: ['ETag'],
    MaxAgeSeconds: 3600,
  };
}

/** The origins a browser may upload from: CORS_ORIGINS (comma-separated), or any origin outside production. */
export function corsOrigins(env: NodeJS.ProcessEnv): string[] {
  const listed = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (listed.length) return listed;
  return env.NODE_ENV === 'production' ? [] : ['*'];
}

/**
 * Creates the bucket if it is missing — private: no ACL or policy grants anyone but the account — and applies the
 * upload CORS rule when origins are given. Idempotent; what it did is returned for the start-up log.
 */
export async function ensureBucket(s3: S3Client, bucket: string, origins: string[]): Promise<string[]> {
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
  if (origins.length) {
    const rule = uploadCorsRule(origins);
    const current = await s3.send(new GetBucketCorsCommand({ Bucket: bucket })).then(
      (r) => r.CORSRules ?? [],
      () => [],
    );
    if (JSON.stringify(current) !== JSON.stringify([rule])) {
      await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [rule] } }));
      done.push(`bucket ${bucket}: upload CORS rule for ${origins.join(', ')}`);
    }
  }
  return done;
}
