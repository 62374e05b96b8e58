import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { Upload } from '@aws-sdk/lib-storage';
import busboy from 'busboy';
import {
  CONTAINER_CONTENT_TYPES,
  MAX_VIDEO_BYTES,
  MAX_VIDEO_SIZE_MESSAGE,
  SNIFF_BYTES,
  UNSUPPORTED_VIDEO_MESSAGE,
  VIDEO_PROCESSING_FAILED_MESSAGE,
  sniffVideoContainer,
  type VideoContainer,
} from '../domain/video';
import { deleteObjects, SERVER_SIDE_ENCRYPTION, type Bucket } from '../storage/video-objects';
import { badRequest, HttpProblem, payloadTooLarge, unavailable, unsupportedMediaType } from './problem';
import type { AppContext } from './route';

/**
 * Streams a multipart/form-data video upload straight into S3: the request body flows through busboy and a
 * signature check into a multipart S3 upload, so memory holds only a few upload parts at a time and nothing
 * touches the local disk. The text fields must come before the file (as in an S3 POST form) so that the
 * request can be refused before any video byte is stored.
 */

/**
 * S3 multipart part size (S3's minimum) and parts in flight: they bound the memory one upload holds
 * (≈ size × (queue + 1)); more in flight did not upload faster to a local store (bench:ingest).
 */
export const UPLOAD_PART_BYTES = 5 * 1024 * 1024;
export const UPLOAD_QUEUE_SIZE = 2;
/** Room for the form's boundaries and text fields on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;


export interface StreamedVideo<T> {
  fields: T;
  key: string;
  container: VideoContainer;
  sizeBytes: number;
}

export interface StreamVideoOptions<T> {
  bucket: Bucket;
  /** The form field that carries the file. */
  fileField: string;
  /** Validates the text fields that preceded the file; throw an HttpProblem to refuse the upload. */
  acceptFields(fields: Record<string, string>): Promise<T>;
  /** The object key, once the file's first bytes told its container. */
  keyFor(container: VideoContainer): string;
  /** Defaults to the 5 GB limit; smaller in tests. */
  maxBytes?: number;
}

const tooLarge = (): HttpProblem => payloadTooLarge(MAX_VIDEO_SIZE_MESSAGE);

/**
 * Receives the upload and resolves once the object is complete in S3. Every refusal is an HttpProblem
 * (400 fields or not MP4/MOV, 413 size, 415 not multipart, 503 storage failure); the rest of a refused body
 * is discarded (or, when large, the connection closed after the answer), and no object is left behind.
 */
export async function streamVideoToS3<T>(ctx: AppContext, options: StreamVideoOptions<T>): Promise<StreamedVideo<T>> {
  const maxBytes = options.maxBytes ?? MAX_VIDEO_BYTES;
  if (!ctx.request.is('multipart/form-data')) throw unsupportedMediaType('Content-Type must be multipart/form-data');
  if (Number(ctx.get('Content-Length') || 0) > maxBytes + MULTIPART_OVERHEAD_BYTES) {
    throw tooLarge(); // refused before reading: the connection is closed rather than the body read
  }

  const req = ctx.req;
  const form = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 20, fieldSize: 64 * 1024, parts: 25 } });
  const fields: Record<string, string> = {};
  let gate: ContainerGate | undefined;
  let upload: Promise<StreamedVideo<T>> | undefined;

  const uploadFile = async (file: Readable, gate: ContainerGate): Promise<StreamedVideo<T>> => {
    const accepted = await options.acceptFields(fields); // the fields that preceded the file
    file.pipe(gate);
    try {
      const container = await gate.container;
      const key = options.keyFor(container);
      await new Upload({
        client: options.bucket.s3,
        params: {
          Bucket: options.bucket.name,
          Key: key,
          Body: gate,
          ContentType: CONTAINER_CONTENT_TYPES[container],
          ServerSideEncryption: SERVER_SIDE_ENCRYPTION,
        },
        partSize: UPLOAD_PART_BYTES,
        queueSize: UPLOAD_QUEUE_SIZE,
      }).done();
      return { fields: accepted, key, container, sizeBytes: gate.bytes };
    } catch (err) {
      // The gate's own refusal (signature, size) is the reason; what the S3 upload reported is a consequence.
      const reason: unknown = gate.errored ?? err;
      if (reason instanceof HttpProblem) throw reason;
      ctx.state.log.warn({ err: reason }, 'streaming a video to S3 failed');
      throw unavailable(VIDEO_PROCESSING_FAILED_MESSAGE, 5);
    }
  };

  const parsed = new Promise<void>((resolve, reject) => {
    form.on('field', (name, value, info) => {
      if (upload) return reject(badRequest(`Send the fields before the "${options.fileField}" file`, { field: name }));
      if (info.valueTruncated) return reject(badRequest('Field value is too long', { field: name }));
      fields[name] = value;
    });
    form.on('file', (name, file) => {
      if (name !== options.fileField || upload) {
        file.resume();
        return reject(badRequest(`Send exactly one file, in the "${options.fileField}" field`, { field: name }));
      }
      gate = new ContainerGate();
      const thisGate = gate;
      file.on('limit', () => thisGate.destroy(tooLarge()));
      upload = uploadFile(file, thisGate);
      upload.catch(reject); // a refused or failed upload ends the request too
    });
    form.on('partsLimit', () => reject(badRequest('Too many form parts')));
    form.on('fieldsLimit', () => reject(badRequest('Too many form fields')));
    form.on('error', (err: Error) => reject(badRequest(`Malformed multipart body: ${err.message}`)));
    form.on('close', resolve);
    req.on('close', () => {
      if (!req.complete) reject(badRequest('The upload was interrupted')); // nobody is left to read the answer
    });
  });
  req.pipe(form);

  try {
    await parsed;
    if (!upload) throw badRequest(`A video file is required in the "${options.fileField}" field`, { field: options.fileField });
    return await upload;
  } catch (err) {
    req.unpipe(form);
    gate?.destroy(err instanceof Error ? err : new Error(String(err))); // stops an S3 upload in flight
    const stored = await upload?.catch(() => undefined);
    // Refused after the file was complete (a field after it...): the object belongs to nothing.
    if (stored) await deleteObjects(options.bucket, [stored.key]);
    throw err; // drainRefusedUploads takes care of the rest of the body
  }
}

/**
 * Middleware for upload routes. A client still sending its body only reads the answer once the body is out,
 * so a refusal (auth, validation, a taken position...) first reads and drops a small remainder; after a large
 * one the connection is closed instead of waiting for gigabytes.
 */
export const drainRefusedUploads: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    if (!(await discardBody(ctx.req))) ctx.set('Connection', 'close');
    throw err;
  }
};

/** Reads and drops what is left of a refused body; false when more than `maxBytes` remains or it takes too long. */
function discardBody(req: IncomingMessage, maxBytes = 32 * 1024 * 1024, maxMs = 5000): Promise<boolean> {
  if (req.complete || req.destroyed) return Promise.resolve(req.complete);
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve(false);
  return new Promise((resolve) => {
    let bytes = 0;
    const done = (ended: boolean): void => {
      clearTimeout(timer);
      req.off('data', count).off('end', end).off('close', end);
      if (!ended) req.pause();
      resolve(ended);
    };
    const count = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > maxBytes) done(false);
    };
    const end = (): void => done(req.complete);
    const timer = setTimeout(() => done(false), maxMs);
    req.on('data', count).once('end', end).once('close', end);
    req.resume();
  });
}

/**
 * Passes the file through once its first bytes show an MP4 or MOV container (`container` resolves), or fails
 * with the spec's 400 otherwise; counts the bytes.
 */
class ContainerGate extends Transform {
  bytes = 0;
  readonly container: Promise<VideoContainer>;
  private head: Buffer[] = [];
  private headLength = 0;
  private detected?: VideoContainer;
  private settle!: { resolve(c: VideoContainer): void; reject(err: unknown): void };

  constructor() {
    super();
    this.container = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.container.catch(() => undefined); // observed by the caller; never an unhandled rejection
    this.once('error', (err) => this.settle.reject(err));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.detected) return callback(null, chunk);
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < SNIFF_BYTES) return callback();
    const head = Buffer.concat(this.head);
    this.head = [];
    this.detected = sniffVideoContainer(head);
    if (!this.detected) return callback(badRequest(UNSUPPORTED_VIDEO_MESSAGE));
    this.settle.resolve(this.detected);
    callback(null, head);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.detected ? null : badRequest(UNSUPPORTED_VIDEO_MESSAGE));
  }
}
