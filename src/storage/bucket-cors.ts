import { GetBucketCorsCommand, PutBucketCorsCommand, type CORSRule, type S3Client } from '@aws-sdk/client-s3';
import { corsOrigins, type Config } from '../config';

/**
 * The bucket's CORS rule for browsers that upload parts straight to S3 with presigned URLs (multipart uploads):
 * the allow-listed origins and the web app may PUT and GET, and read each part's ETag, which completing the
 * upload needs. None when no browser origin is configured.
 */
export function bucketCorsRule(config: Pick<Config, 'CORS_ORIGINS' | 'FRONTEND_URL'>): CORSRule | undefined {
  const origins = new Set(corsOrigins(config));
  if (config.FRONTEND_URL) origins.add(new URL(config.FRONTEND_URL).origin);
  if (origins.size === 0) return undefined;
  return {
    AllowedOrigins: [...origins].sort(),
    AllowedMethods: ['GET', 'HEAD', 'PUT'],
    AllowedHeaders: ['*'],
    ExposeHeaders: ['ETag'],
    MaxAgeSeconds: 3600,
  };
}

/** Applies the rule (bootstrap step), replacing what the bucket had; returns the rule applied, if any. */
export async function applyBucketCors(s3: S3Client, config: Config): Promise<CORSRule | undefined> {
  const rule = bucketCorsRule(config);
  if (!rule) return undefined;
  await s3.send(new PutBucketCorsCommand({ Bucket: config.S3_BUCKET, CORSConfiguration: { CORSRules: [rule] } }));
  return rule;
}

/** The bucket's CORS rules as the store reports them (for checks and the bootstrap's log). */
export async function readBucketCors(s3: S3Client, bucket: string): Promise<CORSRule[]> {
  const out = await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
  return out.CORSRules ?? [];
}
