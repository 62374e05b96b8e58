import { ffmpegPaths } from '../media/ffmpeg-binaries';
import { ensureTool, GO_TOOLS } from '../stack/tools';
import { runMain } from './run-main';

/** `npm run tools`: finds or builds (once, into the cache) every external binary the local stack uses. */
runMain(async () => {
  for (const tool of Object.values(GO_TOOLS)) console.log(`${tool.binary.padEnd(12)} ${ensureTool(tool)}`);
  const { ffmpeg, ffprobe } = ffmpegPaths();
  console.log(`${'ffmpeg'.padEnd(12)} ${ffmpeg}\n${'ffprobe'.padEnd(12)} ${ffprobe}`);
});
