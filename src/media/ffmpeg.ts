import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { ProbedVideo, RenditionSpec } from '../domain/video';

/**
 * ffprobe/ffmpeg as child processes: the exact command lines of the ingest (exported, so the benchmark
 * runs the same commands bare), progress from `-progress pipe:1`, and cancellation that kills the process.
 */

/** The HLS segment length; keyframes are forced on this grid so every segment starts with one. */
export const HLS_SEGMENT_SECONDS = 6;
const STDERR_TAIL_LINES = 20;

export class FfmpegError extends Error {
  constructor(
    readonly program: string,
    readonly exitCode: number | null,
    readonly stderrTail: string,
  ) {
    super(`${path.basename(program)} exited with ${exitCode ?? 'a signal'}: ${stderrTail || '(no output)'}`);
    this.name = 'FfmpegError';
  }
}

export interface RunOptions {
  /** Aborting kills the process (SIGKILL: its output is discarded anyway) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called with each `key=value` block ffmpeg writes to `-progress pipe:1`. */
  onProgress?: (fields: Map<string, string>) => void;
}

/** Runs a program to completion; resolves with its stdout when `onProgress` is not used. Rejects with FfmpegError on a non-zero exit. */
export function run(program: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const { signal, onProgress } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    let stdout = '';
    const kill = (): void => void child.kill('SIGKILL');
    signal?.addEventListener('abort', kill, { once: true });

    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > STDERR_TAIL_LINES) stderr.shift();
    });
    if (onProgress) {
      let block = new Map<string, string>();
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        const eq = line.indexOf('=');
        if (eq < 0) return;
        const key = line.slice(0, eq);
        block.set(key, line.slice(eq + 1).trim());
        if (key === 'progress') {
          onProgress(block);
          block = new Map();
        }
      });
    } else {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    }

    child.once('error', (err) => {
      signal?.removeEventListener('abort', kill);
      reject(err);
    });
    child.once('close', (code) => {
      signal?.removeEventListener('abort', kill);
      if (signal?.aborted) reject(signal.reason as Error);
      else if (code === 0) resolve(stdout);
      else reject(new FfmpegError(program, code, redactUrls(stderr.join('\n').trim())));
    });
  });
}

/** Inputs are presigned URLs: their signatures must not reach logs, workflow histories or users. */
export function redactUrls(text: string): string {
  return text.replace(/(https?:\/\/[^\s?]+)\?[^\s:]*/g, '$1?[redacted]');
}

// --- input -------------------------------------------------------------------------------------

/**
 * How every run opens the uploaded original, which is untrusted: with ffmpeg's ISO-BMFF/QuickTime demuxer
 * forced (`mov`, registered as "mov,mp4,m4a,3gp,3g2,mj2": the one demuxer for both containers the sniff
 * accepts) and only the protocols reading that one object needs. Left to probe on its own, ffmpeg picks a
 * demuxer by content: a DASH manifest, an HLS playlist or an ffconcat script uploaded as "video.mp4" makes it
 * open every URL or file the text names (SSRF, local file reads). The mov demuxer opens nothing else
 * (external data references stay off: `enable_drefs` defaults to 0), and the whitelist, which ffmpeg applies
 * to every nested open too, bars `file:`, `data:`, `concat:`, `subfile:` and the rest even if something tried.
 */
export const VIDEO_DEMUXER = 'mov';

/** The protocols an input needs: a presigned URL (https in production, http to a local store) or a local file. */
export function inputProtocols(input: string): string {
  if (input.startsWith('https://')) return 'https,tls,tcp';
  if (input.startsWith('http://')) return 'http,tcp';
  // A local path; anything else with a scheme (file:, concat:, data:…) is not an input we hand to ffmpeg.
  if (!/^[a-z][a-z0-9+.-]*:/i.test(input)) return 'file';
  throw new Error(`not an input ffmpeg may open: ${redactUrls(input).slice(0, 100)}`);
}

/** `-f mov -protocol_whitelist … -i <input>`: place after any other input options (`-ss`). */
export function inputArgs(input: string): string[] {
  return ['-f', VIDEO_DEMUXER, '-protocol_whitelist', inputProtocols(input), '-i', input];
}

export function probeArgs(input: string): string[] {
  return ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...inputArgs(input)];
}

export interface ProbeResult extends ProbedVideo {
  formatName: string;
  videoCodec: string;
  hasAudio: boolean;
}

interface FfprobeJson {
  format?: { format_name?: string; duration?: string; bit_rate?: string };
  streams?: {
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    duration?: string;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    bit_rate?: string;
    disposition?: { attached_pic?: number };
  }[];
}

/** ffprobe's names of the demuxer that reads MP4 and MOV. */
const ACCEPTED_FORMATS = new Set(['mov', 'mp4']);

/**
 * What ffprobe's JSON says about a video, or why it is not one we can process (`unreadable` completes the
 * sentence "The file is not a readable video: …", shown to the instructor).
 */
export function interpretProbe(json: string): ProbeResult | { unreadable: string } {
  let parsed: FfprobeJson;
  try {
    parsed = JSON.parse(json) as FfprobeJson;
  } catch {
    return { unreadable: 'its description could not be read' };
  }
  const formatName = parsed.format?.format_name ?? '';
  // The demuxer is forced (VIDEO_DEMUXER), so this holds by construction; a refusal here means that broke.
  if (!formatName.split(',').some((name) => ACCEPTED_FORMATS.has(name))) {
    return { unreadable: 'it is not an MP4/MOV video' };
  }
  const streams = parsed.streams ?? [];
  // Cover art is a one-frame "video" stream; it does not make an audio file a video.
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video || !video.width || !video.height) return { unreadable: 'it contains no video' };
  const duration = Number(parsed.format?.duration ?? video.duration);
  if (!Number.isFinite(duration) || duration <= 0) return { unreadable: 'it has no duration' };
  const bitRate = Number(parsed.format?.bit_rate ?? video.bit_rate);
  return {
    formatName,
    durationSeconds: duration,
    width: video.width,
    height: video.height,
    ...optional('framesPerSecond', frameRate(video.avg_frame_rate) ?? frameRate(video.r_frame_rate)),
    ...optional('bitRateKbps', Number.isFinite(bitRate) && bitRate > 0 ? Math.round(bitRate / 1000) : undefined),
    videoCodec: video.codec_name ?? 'unknown',
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
  };
}

/** ffprobe writes rates as fractions ("30000/1001"), "0/0" when it does not know. */
function frameRate(fraction: string | undefined): number | undefined {
  const [num, den] = (fraction ?? '').split('/').map(Number);
  const rate = den === undefined ? num : num / den;
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}

/** `{ key: value }`, or nothing when the value is unknown (activity results keep no undefined fields). */
const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, V>);

// --- thumbnail ---------------------------------------------------------------------------------

/** One JPEG frame at `atSeconds` (input seeking: fast, reads only what it needs), at most 1280 px wide. */
export function thumbnailArgs(input: string, atSeconds: number, output: string): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-ss',
    atSeconds.toFixed(3),
    ...inputArgs(input),
    '-frames:v',
    '1',
    '-vf',
    "scale='min(1280,iw)':-2",
    '-q:v',
    '3',
    output,
  ];
}

// --- renditions --------------------------------------------------------------------------------

export interface PlannedRendition extends RenditionSpec {
  width: number;
  height: number;
  /** Files in the output directory: the fragmented MP4 and its HLS media playlist. */
  mediaFile: string;
  playlistFile: string;
}

const even = (n: number): number => Math.max(2, 2 * Math.round(n / 2));

/** Output dimensions for each rung: the shorter side becomes `lines`, the aspect ratio is kept. */
export function planRenditions(
  source: { width: number; height: number },
  rungs: readonly RenditionSpec[],
): PlannedRendition[] {
  const landscape = source.width >= source.height;
  return rungs.map((rung) => {
    const scale = rung.lines / Math.min(source.width, source.height);
    const width = landscape ? even(source.width * scale) : rung.lines;
    const height = landscape ? rung.lines : even(source.height * scale);
    return { ...rung, width, height, mediaFile: `${rung.lines}p.mp4`, playlistFile: `${rung.lines}p.m3u8` };
  });
}

/**
 * One ffmpeg process for every rendition: the source is decoded once and split. Each output is HLS with
 * fMP4 segments in a single file (`-hls_flags single_file`): two objects per rendition, and the file plays
 * progressively as well. Keyframes on a fixed grid keep the renditions' segments aligned for switching.
 */
export function transcodeArgs(
  input: string,
  renditions: readonly PlannedRendition[],
  outputDir: string,
  opts: { hasAudio: boolean },
): string[] {
  const labels = renditions.map((_, i) => `v${i}`);
  const split = `[0:v]split=${renditions.length}${labels.map((l) => `[${l}in]`).join('')}`;
  const scales = renditions.map((r, i) => `[${labels[i]}in]scale=${r.width}:${r.height},setsar=1[${labels[i]}]`);
  const args = [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-nostats',
    '-progress',
    'pipe:1',
    '-y',
    ...inputArgs(input),
    '-filter_complex',
    [split, ...scales].join(';'),
  ];
  renditions.forEach((r, i) => {
    args.push('-map', `[${labels[i]}]`);
    if (opts.hasAudio) args.push('-map', '0:a:0');
    args.push(
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-profile:v',
      'high',
      '-pix_fmt',
      'yuv420p',
      '-b:v',
      `${r.videoKbps}k`,
      '-maxrate',
      `${Math.round(r.videoKbps * 1.07)}k`,
      '-bufsize',
      `${Math.round(r.videoKbps * 1.5)}k`,
      '-force_key_frames',
      `expr:gte(t,n_forced*${HLS_SEGMENT_SECONDS})`,
      '-sc_threshold',
      '0',
    );
    if (opts.hasAudio) args.push('-c:a', 'aac', '-b:a', `${r.audioKbps}k`, '-ac', '2');
    args.push(
      '-f',
      'hls',
      '-hls_time',
      String(HLS_SEGMENT_SECONDS),
      '-hls_playlist_type',
      'vod',
      '-hls_segment_type',
      'fmp4',
      '-hls_flags',
      'single_file+independent_segments',
      '-hls_segment_filename',
      path.join(outputDir, r.mediaFile),
      path.join(outputDir, r.playlistFile),
    );
  });
  return args;
}

/** Seconds of output written so far, from a `-progress` block. */
export function progressSeconds(fields: Map<string, string>): number | undefined {
  const micros = Number(fields.get('out_time_us') ?? fields.get('out_time_ms'));
  return Number.isFinite(micros) && micros >= 0 ? micros / 1e6 : undefined;
}
