/**
 * The object store the tests run on checks signatures as AWS S3 does (versitygw): a request signed with a wrong
 * secret, an unsigned request and a tampered presigned URL are refused with 403, so a bug in how we sign
 * (presigned playback URLs, uploads) fails here instead of in production. The bucket the bootstrap created is
 * private and carries the upload CORS rule.
 */
import { GetBucketCorsCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../src/config';
import { createS3 } from '../../src/deps';
import { presignedGetUrl } from '../../src/storage/video-objects';

const config = loadConfig(process.env);
const s3 = createS3(config);
const bucket = config.S3_BUCKET;
const key = `signature-check/${Date.now()}.txt`;

beforeAll(async () => {
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'private bytes', ServerSideEncryption: 'AES256' }),
  );
});

afterAll(() => s3.destroy());

test('a request signed with a wrong secret is refused with 403 SignatureDoesNotMatch', async () => {
  const forged = new S3Client({
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: true,
    credentials: { accessKeyId: config.S3_ACCESS_KEY_ID as string, secretAccessKey: 'not-the-secret' },
  });
  try {
    const err = await forged.send(new GetObjectCommand({ Bucket: bucket, Key: key })).then(
      () => undefined,
      (e: { name: string; $metadata: { httpStatusCode?: number } }) => e,
    );
    expect(err?.$metadata.httpStatusCode).toBe(403);
    expect(err?.name).toBe('SignatureDoesNotMatch');
  } finally {
    forged.destroy();
  }
});

test('an unsigned request for an object in the private bucket is refused with 403', async () => {
  const res = await fetch(`${config.S3_ENDPOINT}/${bucket}/${key}`);
  expect(res.status).toBe(403);
  expect(await res.text()).not.toContain('private bytes');
});

test('a presigned URL opens the object, the same URL with its signature altered does not', async () => {
  const url = new URL(await presignedGetUrl({ s3, name: bucket }, key));
  const ok = await fetch(url);
  expect(ok.status).toBe(200);
  expect(await ok.text()).toBe('private bytes');

  const signature = url.searchParams.get('X-Amz-Signature') as string;
  url.searchParams.set(
    'X-Amz-Signature',
    signature.replace(/^./, (c) => (c === '0' ? '1' : '0')),
  );
  const tampered = await fetch(url);
  expect(tampered.status).toBe(403);
});

test('the bootstrap gave the bucket the upload CORS rule (ETag exposed to browsers)', async () => {
  const cors = await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
  expect(cors.CORSRules).toEqual([
    expect.objectContaining({ AllowedMethods: ['GET', 'HEAD', 'PUT'], ExposeHeaders: ['ETag'] }),
  ]);
});
