/**
 * Test videos made on the spot with the real ffmpeg (lavfi test patterns), plus helpers to wait for a
 * lesson's ingest and to inspect the bucket.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type supertest from 'supertest';
import { makeTestVideo, type VideoSpec } from '../../src/media/test-pattern';
import { waitFor } from './wait-for';

export type { VideoSpec };

let scratch: string | undefined;
export function scratchDir(): string {
  scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), 'edustream-test-videos-'));
  return scratch;
}

/** A test-pattern video (with a sine tone unless `audio: false`), cached per spec for the test file's lifetime. */
export function makeVideo(spec: VideoSpec): Promise<string> {
  return makeTestVideo(scratchDir(), spec);
}

/** Starts like an MP4 (so it passes the signature check) but is cut off before the index: ffprobe cannot read it. */
export async function makeCorruptMp4(): Promise<string> {
  const source = await makeVideo({ seconds: 3 });
  const file = path.join(scratchDir(), 'corrupt.mp4');
  const bytes = fs.readFileSync(source);
  fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 3)));
  return file;
}

export interface LessonBody {
  id: string;
  courseId: string;
  durationSeconds: number | null;
  video: { status: string; percent: number; failureReason: string | null };
  processing?: { stage: string; percent: number } | null;
  thumbnailUrl: string | null;
  playbackUrl: string | null;
  locked: boolean;
  lessonOrder: number;
  isPreview: boolean;
}

/** Polls the lesson until its video is `ready` or `failed`. */
export async function waitForIngest(
  request: ReturnType<typeof supertest>,
  auth: Record<string, string>,
  courseId: string,
  lessonId: string,
  timeoutMs = 60_000,
): Promise<LessonBody> {
  return waitFor(
    async () => {
      const res = await request.get(`/api/courses/${courseId}/lessons/${lessonId}`).set(auth);
      if (res.status !== 200) throw new Error(`GET lesson answered ${res.status}: ${JSON.stringify(res.body)}`);
      const lesson = res.body as LessonBody;
      return lesson.video.status === 'ready' || lesson.video.status === 'failed' ? lesson : undefined;
    },
    `lesson ${lessonId} to be ready or failed`,
    timeoutMs,
    250,
  );
}

export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

export async function keysUnder(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
}

/** Fields for a streamed lesson upload with supertest: `.field(...)` calls before `.attach('video', file)`. */
export function uploadLesson(
  request: ReturnType<typeof supertest>,
  auth: Record<string, string>,
  courseId: string,
  file: string,
  fields: { title?: string; isPreview?: boolean; lessonOrder?: number } = {},
) {
  let req = request
    .post(`/api/courses/${courseId}/lessons`)
    .set(auth)
    .field('title', fields.title ?? `Lesson ${path.basename(file)}`);
  if (fields.isPreview !== undefined) req = req.field('isPreview', String(fields.isPreview));
  if (fields.lessonOrder !== undefined) req = req.field('lessonOrder', String(fields.lessonOrder));
  return req.attach('video', file);
}
