/**
 * Video rules (spec MKT-005, DESIGN §4): accepted containers and their signature bytes, the upload limit,
 * where each object of a lesson video lives in the bucket, when the thumbnail is taken, which renditions
 * are made, and how the stages of an ingest add up to one percentage.
 *
 * Workflow-safe: no Node built-ins (bytes are Uint8Array), no clock, no I/O (ESLint enforces it).
 */

/** 5 GiB, S3's single-object PUT limit and the spec's upload limit. */
export const MAX_VIDEO_BYTES = 5 * 1024 ** 3;
export const MAX_VIDEO_SIZE_MESSAGE = 'Video file too large (max 5GB)';
export const UNSUPPORTED_VIDEO_MESSAGE = 'Only MP4/MOV formats supported';
/** The spec's answer when storing or processing a video failed for a reason that is not the file's (MKT-006). */
export const VIDEO_PROCESSING_FAILED_MESSAGE = 'Video processing failed, retry';

export type VideoContainer = 'mp4' | 'mov';

export const CONTAINER_CONTENT_TYPES: Record<VideoContainer, string> = { mp4: 'video/mp4', mov: 'video/quicktime' };

/**
 * How many leading bytes `sniffVideoContainer` reads: the `ftyp` box, or the small padding boxes a legacy
 * QuickTime file may start with, followed by the header of the box after them.
 */
export const SNIFF_BYTES = 4096;

/** ISO base-media major brands of MP4 video files (audio-only M4A, HEIF images, 3GP... are not accepted). */
const MP4_BRANDS = new Set([
  'isom',
  'iso2',
  'iso3',
  'iso4',
  'iso5',
  'iso6',
  'mp41',
  'mp42',
  'avc1',
  'dash',
  'M4V ',
  'M4VH',
  'M4VP',
  'f4v ',
  'MSNV',
  'mmp4',
  'XAVC',
]);
/** Boxes without meaning that may come first in a QuickTime file written before `ftyp` existed (`pnot`: a preview reference). */
const LEADING_FILLER_BOXES = new Set(['wide', 'free', 'skip', 'pnot', 'PICT']);
/** A box that says a legacy QuickTime file has begun its real content. */
const LEGACY_QUICKTIME_CONTENT = new Set(['moov', 'mdat']);
/** What a `moov` atom begins with: the movie header, or (rarely) a compressed movie, a profile or the object descriptor. */
const MOOV_FIRST_CHILDREN = new Set(['mvhd', 'cmov', 'prfl', 'iods']);
/** Filler boxes before the content, at most (real files have one `wide`, or none). */
const MAX_LEADING_FILLERS = 4;
/** `ftyp` is a major brand, a minor version and compatible brands: a few dozen bytes, never kilobytes. */
const MAX_FTYP_BYTES = 1024;

const ascii = (bytes: Uint8Array, from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
const uint32 = (bytes: Uint8Array, at: number): number =>
  ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];

interface BoxHeader {
  type: string;
  /** Total size in bytes including the header; undefined when the box extends to the end of the file. */
  size: number | undefined;
  headerBytes: number;
}

/** The ISO-BMFF box header at `at`: a 32-bit size ≥ 8 (1: a 64-bit size follows; 0: to the end of the file), then a printable type. */
function boxHeader(head: Uint8Array, at: number): BoxHeader | undefined {
  if (at + 8 > head.length) return undefined;
  const type = ascii(head, at + 4, at + 8);
  if (!/^[\x20-\x7e]{4}$/.test(type)) return undefined;
  const size32 = uint32(head, at);
  if (size32 === 0) return { type, size: undefined, headerBytes: 8 };
  if (size32 === 1) {
    if (at + 16 > head.length) return undefined;
    const size = uint32(head, at + 8) * 2 ** 32 + uint32(head, at + 12);
    return size >= 16 ? { type, size, headerBytes: 16 } : undefined;
  }
  return size32 >= 8 ? { type, size: size32, headerBytes: 8 } : undefined;
}

/**
 * The container a file's first bytes announce, or undefined for anything else. The file name and the
 * client's Content-Type are not trusted, and neither is a type alone: the first boxes must be well-formed
 * ISO-BMFF / QuickTime boxes that fit the file —
 * - an `ftyp` box first (16 bytes up to MAX_FTYP_BYTES, whole brands) with an MP4 or QuickTime major brand; or
 * - a legacy QuickTime file: small filler boxes (`wide`, `free`, `skip`, `pnot`) wholly inside `head`, then
 *   `moov` (beginning with its movie header box, which fits it) or `mdat`.
 * `head` is the first SNIFF_BYTES of the file (all of a shorter one); `fileSize`, when known, bounds every box.
 * A text file whose bytes 4–8 happen to spell `free` (`<!--free-->…`) is refused: its "size" is `<!--`.
 * ffprobe decides later, with the demuxer forced to this container, whether the rest of the file is readable.
 */
export function sniffVideoContainer(head: Uint8Array, fileSize?: number): VideoContainer | undefined {
  const size = fileSize ?? (head.length < SNIFF_BYTES ? head.length : Number.POSITIVE_INFINITY);
  const first = boxHeader(head, 0);
  if (!first) return undefined;
  if (first.type === 'ftyp') {
    const boxSize = first.size ?? 0;
    if (boxSize < 16 || boxSize > MAX_FTYP_BYTES || boxSize > size || (boxSize - 8) % 4 !== 0) return undefined;
    const brand = ascii(head, 8, 12);
    if (brand === 'qt  ') return 'mov';
    return MP4_BRANDS.has(brand) ? 'mp4' : undefined;
  }
  let at = 0;
  for (let fillers = 0; fillers <= MAX_LEADING_FILLERS; fillers++) {
    const box = boxHeader(head, at);
    if (!box || (box.size !== undefined && at + box.size > size)) return undefined;
    if (LEGACY_QUICKTIME_CONTENT.has(box.type)) {
      return box.type === 'mdat' || moovBeginsWithABox(head, at, box) ? 'mov' : undefined;
    }
    // A filler must end inside the bytes read, so that what follows it is checked too.
    if (!LEADING_FILLER_BOXES.has(box.type) || box.size === undefined || at + box.size + 8 > head.length)
      return undefined;
    at += box.size;
  }
  return undefined;
}

function moovBeginsWithABox(head: Uint8Array, at: number, moov: BoxHeader): boolean {
  const child = boxHeader(head, at + moov.headerBytes);
  if (!child || child.size === undefined || !MOOV_FIRST_CHILDREN.has(child.type)) return false;
  return moov.size === undefined || child.size <= moov.size - moov.headerBytes;
}

// --- object keys -------------------------------------------------------------------------------

/** `courses/{courseId}/videos/{uuid}.{mp4|mov}` (spec MKT-005): the uploaded original. */
export function videoObjectKey(courseId: string, videoId: string, container: VideoContainer): string {
  return `courses/${courseId}/videos/${videoId}.${container}`;
}

export interface VideoDerivedKeys {
  /** `courses/{courseId}/thumbnails/{uuid}.jpg` (spec MKT-005). */
  thumbnailKey: string;
  /** Everything the renditions consist of lives under this prefix. */
  streamPrefix: string;
  /** The HLS multivariant playlist. */
  masterPlaylistKey: string;
}

/** Keys of what the ingest derives from an original, so every derived object can be found (and deleted) from its key. */
export function derivedVideoKeys(videoKey: string): VideoDerivedKeys {
  const match = /^courses\/([^/]+)\/videos\/([^/.]+)\.[a-z0-9]+$/.exec(videoKey);
  if (!match) throw new Error(`not a lesson video key: ${videoKey}`);
  const [, courseId, videoId] = match;
  const streamPrefix = `courses/${courseId}/streams/${videoId}/`;
  return {
    thumbnailKey: `courses/${courseId}/thumbnails/${videoId}.jpg`,
    streamPrefix,
    masterPlaylistKey: `${streamPrefix}master.m3u8`,
  };
}

// --- processing --------------------------------------------------------------------------------

/** ffprobe reports fractional seconds; lessons store whole seconds, at least one. */
export function wholeSeconds(seconds: number): number {
  return Math.max(1, Math.round(seconds));
}

/** The thumbnail frame: 5 s in (spec MKT-005), or the mid-point of a video too short for that to be representative. */
export function thumbnailAtSeconds(durationSeconds: number): number {
  return durationSeconds >= 10 ? 5 : durationSeconds / 2;
}

export interface RenditionSpec {
  /** Lines of the shorter side (the "p" of 720p), even. */
  lines: number;
  videoKbps: number;
  audioKbps: number;
}

/** The streaming ladder; a source gets every rung it can fill, and never an upscale. */
export const RENDITION_LADDER: readonly RenditionSpec[] = [
  { lines: 1080, videoKbps: 5000, audioKbps: 128 },
  { lines: 720, videoKbps: 2800, audioKbps: 128 },
  { lines: 480, videoKbps: 1400, audioKbps: 96 },
  { lines: 360, videoKbps: 800, audioKbps: 96 },
];

/** Renditions for a source: the ladder's rungs up to its size, or one at its own size when it is below them all. */
export function renditionsFor(width: number, height: number): RenditionSpec[] {
  const lines = Math.min(width, height);
  const rungs = RENDITION_LADDER.filter((r) => r.lines <= lines);
  if (rungs.length > 0) return rungs;
  const smallest = RENDITION_LADDER[RENDITION_LADDER.length - 1];
  const own = Math.max(2, lines - (lines % 2));
  return [
    {
      lines: own,
      videoKbps: Math.max(200, Math.round((smallest.videoKbps * own) / smallest.lines)),
      audioKbps: smallest.audioKbps,
    },
  ];
}

/** `transcoding` covers the renditions and the thumbnail, made side by side. */
export type IngestStage = 'queued' | 'probing' | 'transcoding' | 'finalizing' | 'ready' | 'failed' | 'cancelled';

/** Share of the whole ingest each working stage covers, in percent: transcoding is nearly all of the time. */
const STAGE_SPAN: Partial<Record<IngestStage, readonly [number, number]>> = {
  queued: [0, 0],
  probing: [0, 5],
  transcoding: [5, 98],
  finalizing: [98, 99],
  ready: [100, 100],
};

/** Overall percent (integer 0–100) from a working stage and how far into it the ingest is (0 for failed/cancelled). */
export function ingestPercent(stage: IngestStage, stagePercent = 0): number {
  const span = STAGE_SPAN[stage];
  if (!span) return 0;
  const within = Math.min(100, Math.max(0, stagePercent));
  return Math.floor(span[0] + ((span[1] - span[0]) * within) / 100);
}

// --- limits ------------------------------------------------------------------------------------

/** What one lesson video may be (configuration: VIDEO_MAX_*), so that no upload can occupy the media pool for long. */
export interface VideoLimits {
  maxDurationSeconds: number;
  /** 4K in either orientation: the longer and the shorter side, in pixels. */
  maxLongSide: number;
  maxShortSide: number;
  maxFramesPerSecond: number;
  /** The file's average bit rate. */
  maxBitRateKbps: number;
}

export interface ProbedVideo {
  durationSeconds: number;
  width: number;
  height: number;
  /** Average frame rate, when ffprobe knows it. */
  framesPerSecond?: number;
  bitRateKbps?: number;
}

/** Frame rates such as 59.94 or 60.0001 count as 60. */
const FPS_TOLERANCE = 0.01;

/** Why a video exceeds the limits, in words for the instructor who uploaded it; undefined when it is within them. */
export function videoLimitViolation(video: ProbedVideo, limits: VideoLimits): string | undefined {
  if (video.durationSeconds > limits.maxDurationSeconds) {
    return `The video is ${spokenDuration(video.durationSeconds)} long; a lesson video may be at most ${spokenDuration(limits.maxDurationSeconds)} long`;
  }
  const [long, short] = [Math.max(video.width, video.height), Math.min(video.width, video.height)];
  if (long > limits.maxLongSide || short > limits.maxShortSide) {
    return `The video is ${video.width}×${video.height} pixels; a lesson video may be at most ${limits.maxLongSide}×${limits.maxShortSide} (or ${limits.maxShortSide}×${limits.maxLongSide} upright)`;
  }
  if (video.framesPerSecond !== undefined && video.framesPerSecond > limits.maxFramesPerSecond + FPS_TOLERANCE) {
    return `The video has ${Math.round(video.framesPerSecond)} frames per second; a lesson video may have at most ${limits.maxFramesPerSecond}`;
  }
  if (video.bitRateKbps !== undefined && video.bitRateKbps > limits.maxBitRateKbps) {
    return `The video's bit rate is ${spokenBitRate(video.bitRateKbps)}; a lesson video may have at most ${spokenBitRate(limits.maxBitRateKbps)} (export it at a lower quality setting)`;
  }
  return undefined;
}

/** "4 h", "1 h 30 min", "12 min 5 s", "3 s". */
export function spokenDuration(seconds: number): string {
  const total = Math.round(seconds);
  const [h, min, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const parts = h > 0 ? [h && `${h} h`, min && `${min} min`] : [min && `${min} min`, s && `${s} s`];
  return parts.filter(Boolean).join(' ') || '0 s';
}

function spokenBitRate(kbps: number): string {
  return kbps >= 1000 ? `${Number((kbps / 1000).toFixed(1))} Mbit/s` : `${Math.round(kbps)} kbit/s`;
}
