import { ffmpegPaths } from '../media/ffmpeg-binaries';
import { ensureMavenTool, ensureTool, GO_TOOLS, MAVEN_TOOLS, MissingToolError } from '../stack/tools';
import { runMain } from './run-main';

/** `npm run tools`: finds or builds (once, into the cache) every external binary the local stack uses. */
runMain(async () => {
  for (const tool of Object.values(GO_TOOLS)) console.log(`${tool.binary.padEnd(12)} ${ensureTool(tool)}`);
  for (const tool of Object.values(MAVEN_TOOLS)) {
    try {
      console.log(`${tool.binary.padEnd(12)} ${ensureMavenTool(tool)}`);
    } catch (err) {
      // Optional: without Java and Maven the time-skipping tests use the server @temporalio/testing downloads.
      if (!(err instanceof MissingToolError)) throw err;
      console.log(`${tool.binary.padEnd(12)} not built (${err.message})`);
    }
  }
  const { ffmpeg, ffprobe } = ffmpegPaths();
  console.log(`${'ffmpeg'.padEnd(12)} ${ffmpeg}\n${'ffprobe'.padEnd(12)} ${ffprobe}`);
});
