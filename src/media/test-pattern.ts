/** Test-pattern videos made on the spot with the real ffmpeg (lavfi), for tests, benchmarks and the demo. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPaths } from './ffmpeg-binaries';

const run = promisify(execFile);

export interface VideoSpec {
  seconds: number;
  width?: number;
  height?: number;
  fps?: number;
  audio?: boolean;
  /** 'mov' writes a QuickTime file (brand `qt  `). */
  container?: 'mp4' | 'mov';
}

/** A test-pattern video (with a sine tone unless `audio: false`) in `dir`, made once per spec. */
export async function makeTestVideo(dir: string, spec: VideoSpec): Promise<string> {
  const { seconds, width = 320, height = 240, fps = 25, audio = true, container = 'mp4' } = spec;
  const file = path.join(dir, `${seconds}s-${width}x${height}-${fps}fps-${audio ? 'a' : 'na'}.${container}`);
  if (fs.existsSync(file)) return file;
  const args = [
    '-hide_banner',
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${width}x${height}:rate=${fps}:duration=${seconds}`,
  ];
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`);
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p');
  if (audio) args.push('-c:a', 'aac', '-shortest');
  // Written aside and renamed: a concurrent caller never sees a half-written file.
  const partial = `${file}.${process.pid}.partial.${container}`;
  await run(ffmpegPaths().ffmpeg, [...args, partial]);
  fs.renameSync(partial, file);
  return file;
}
