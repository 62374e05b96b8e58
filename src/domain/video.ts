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

/** How many leading bytes `sniffVideoContainer` needs. */
export const SNIFF_BYTES = 12;

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
/** Atoms a QuickTime file written before the `ftyp` atom existed may start with. */
const LEGACY_QUICKTIME_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

const ascii = (bytes: Uint8Array, from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));

/**
 * The container a file's first bytes announce (an `ftyp` box with an MP4 or QuickTime brand, or a legacy
 * QuickTime atom), or undefined for anything else. The file name and the client's Content-Type are not
 * trusted; ffprobe decides later whether the rest of the file is readable.
 */
export function sniffVideoContainer(head: Uint8Array): VideoContainer | undefined {
  if (head.length < SNIFF_BYTES) return undefined;
  const boxType = ascii(head, 4, 8);
  if (boxType === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (brand === 'qt  ') return 'mov';
    return MP4_BRANDS.has(brand) ? 'mp4' : undefined;
  }
  return LEGACY_QUICKTIME_ATOMS.has(boxType) ? 'mov' : undefined;
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
