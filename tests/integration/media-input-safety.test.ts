/**
 * The real ffprobe and ffmpeg, run with the ingest's own command lines, on uploads crafted to make them open
 * something else (issue 16): a DASH manifest behind `<!--free-->`, an HLS playlist, an ffconcat script, a
 * `file:` reference, an SVG and an HTML page, each served as the "object" by a local store over HTTP (as the
 * presigned URL serves it) and read from a local path. Each is refused by the upload sniff and by ffprobe and
 * ffmpeg, and the listener they point at receives no request. A control run without the protections shows
 * the listener would have seen one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sniffVideoContainer } from '../../src/domain/video';
import {
  interpretProbe,
  planRenditions,
  probeArgs,
  run,
  thumbnailArgs,
  transcodeArgs,
  FfmpegError,
} from '../../src/media/ffmpeg';
import { ffmpegPaths } from '../../src/media/ffmpeg-binaries';
import { hostileFiles, startListener, type Listener } from '../support/hostile-media';
import { makeVideo, scratchDir } from '../support/videos';

jest.setTimeout(60_000);

const { ffmpeg, ffprobe } = ffmpegPaths();
let target: Listener;
let store: Listener;
let files: Record<string, Buffer>;
let dir: string;

beforeAll(async () => {
  target = await startListener();
  const secret = await makeVideo({ seconds: 2, audio: false });
  files = hostileFiles(target.url, secret);
  store = await startListener((url) => files[url.replace(/^\/objects\//, '').replace(/\.mp4(\?.*)?$/, '')]);
  dir = fs.mkdtempSync(path.join(scratchDir(), 'hostile-'));
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${name}.mp4`), bytes);
});
afterAll(async () => {
  await target.close();
  await store.close();
  // Across the whole file, only the control reached the listener.
  expect(target.requests).toEqual(['GET /dash/video.mp4']);
});

/** A run that followed a reference may wait on it: bounded, so a regression fails instead of hanging. */
const bounded = () => ({ signal: AbortSignal.timeout(20_000) });

/** What ffprobe made of the input: the probe, or why it was refused (ffprobe's failure, or interpretProbe's). */
async function probe(input: string): Promise<string> {
  try {
    const result = interpretProbe(await run(ffprobe, probeArgs(input), bounded()));
    return 'unreadable' in result ? `refused: ${result.unreadable}` : `read: ${result.formatName}`;
  } catch (err) {
    if (err instanceof FfmpegError) return `ffprobe failed: ${err.stderrTail}`;
    throw err;
  }
}

/** Whether ffmpeg, given the thumbnail and the transcode command lines, produced any output. */
async function ffmpegOutputs(input: string): Promise<string[]> {
  const out = fs.mkdtempSync(path.join(dir, 'out-'));
  const renditions = planRenditions({ width: 640, height: 360 }, [{ lines: 360, videoKbps: 800, audioKbps: 96 }]);
  await run(ffmpeg, thumbnailArgs(input, 1, path.join(out, 'thumbnail.jpg')), bounded()).catch(() => undefined);
  await run(ffmpeg, transcodeArgs(input, renditions, out, { hasAudio: false }), bounded()).catch(() => undefined);
  return fs.readdirSync(out).filter((f) => fs.statSync(path.join(out, f)).size > 0);
}

const names = [
  'dash-behind-comment',
  'hls',
  'ffconcat',
  'file-reference',
  'svg',
  'html',
] as const satisfies readonly (keyof ReturnType<typeof hostileFiles>)[];

describe('an upload that names other URLs or files', () => {
  it('would make ffprobe fetch what it names, left to its own probing (the control)', async () => {
    const before = target.requests.length;
    const bare = ['-v', 'error', '-show_format', '-i', `${store.url}/objects/dash-behind-comment.mp4`];
    await run(ffprobe, bare, bounded()).catch(() => undefined);
    expect(target.requests.slice(before)).toEqual(['GET /dash/video.mp4']);
  });

  it.each(names)('%s: the upload sniff refuses it', (name) => {
    expect(sniffVideoContainer(files[name], files[name].length)).toBeUndefined();
  });

  it.each(names)('%s: ffprobe and ffmpeg refuse it from the store, and open nothing else', async (name) => {
    const url = `${store.url}/objects/${name}.mp4?X-Amz-Signature=abc`;
    const [served, reached] = [store.requests.length, target.requests.length];
    expect(await probe(url)).toMatch(/^(refused|ffprobe failed)/);
    expect(await ffmpegOutputs(url)).toEqual([]);
    // Only the object itself was read (ranges of it), and nothing the file names.
    expect(new Set(store.requests.slice(served))).toEqual(new Set([`GET /objects/${name}.mp4?X-Amz-Signature=abc`]));
    expect(target.requests.slice(reached)).toEqual([]);
  });

  it.each(names)('%s: ffprobe and ffmpeg refuse it from a local file, and open nothing else', async (name) => {
    const file = path.join(dir, `${name}.mp4`);
    const reached = target.requests.length;
    expect(await probe(file)).toMatch(/^(refused|ffprobe failed)/);
    expect(await ffmpegOutputs(file)).toEqual([]);
    expect(target.requests.slice(reached)).toEqual([]);
  });

  it('still reads a real MP4 and MOV the same ways', async () => {
    const mp4 = await makeVideo({ seconds: 2, audio: false });
    const mov = await makeVideo({ seconds: 2, audio: false, container: 'mov' });
    expect(sniffVideoContainer(fs.readFileSync(mp4), fs.statSync(mp4).size)).toBe('mp4');
    expect(sniffVideoContainer(fs.readFileSync(mov), fs.statSync(mov).size)).toBe('mov');
    files.real = fs.readFileSync(mov);
    expect(await probe(`${store.url}/objects/real.mp4`)).toBe('read: mov,mp4,m4a,3gp,3g2,mj2');
    expect(await probe(mp4)).toBe('read: mov,mp4,m4a,3gp,3g2,mj2');
    expect((await ffmpegOutputs(`${store.url}/objects/real.mp4`)).sort()).toEqual([
      '360p.m3u8',
      '360p.mp4',
      'thumbnail.jpg',
    ]);
  });
});
