/** Where the ffmpeg and ffprobe binaries are: used by the media activities, the dev tools and the test-pattern maker. */
import fs from 'node:fs';
import path from 'node:path';

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, binary);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** ffmpeg/ffprobe: FFMPEG_PATH/FFPROBE_PATH, then PATH, then the binaries shipped in the @ffmpeg-installer npm packages. */
export function ffmpegPaths(env: NodeJS.ProcessEnv = process.env): { ffmpeg: string; ffprobe: string } {
  /* eslint-disable @typescript-eslint/no-require-imports -- optional platform packages, loaded lazily */
  const ffmpeg = env.FFMPEG_PATH ?? onPath('ffmpeg') ?? (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  const ffprobe =
    env.FFPROBE_PATH ?? onPath('ffprobe') ?? (require('@ffprobe-installer/ffprobe') as { path: string }).path;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { ffmpeg, ffprobe };
}
