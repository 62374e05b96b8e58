/**
 * Files that try to make ffmpeg open something other than themselves (issue 16's SSRF), and a local HTTP
 * listener that records every request: what such a file would reach if ffmpeg followed it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listener {
  url: string;
  /** `METHOD path` of every request received, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that answers `serve(path)` (404 when undefined, ranges honoured) and records every request. */
export async function startListener(serve: (path: string) => Buffer | undefined = () => undefined): Promise<Listener> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const body = serve(req.url ?? '');
    if (!body) return void res.writeHead(404).end();
    // Ranges as S3 serves them: ffmpeg seeks to an index written after the media.
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!range)
      return void res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': body.length }).end(body);
    const start = Number(range[1]);
    const end = Math.min(body.length - 1, range[2] ? Number(range[2]) : body.length - 1);
    if (start > end) return void res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
    res
      .writeHead(206, {
        'Content-Type': 'video/mp4',
        'Content-Length': end - start + 1,
        'Content-Range': `bytes ${start}-${end}/${body.length}`,
      })
      .end(body.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Each file names `target` (a URL that must never be fetched) or `secretFile` (a local video that must never
 * be read); every one is uploaded as if it were an MP4.
 */
export function hostileFiles(target: string, secretFile: string): Record<string, Buffer> {
  return {
    // Bytes 4–8 read `free`: the old sniff took it for a QuickTime atom; ffmpeg's DASH demuxer fetches <BaseURL>.
    'dash-behind-comment': Buffer.from(
      '<!--free--><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT10S" ' +
        'minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">' +
        `<BaseURL>${target}/dash/</BaseURL><Period><AdaptationSet mimeType="video/mp4">` +
        '<Representation id="1" bandwidth="1000" width="640" height="360"><BaseURL>video.mp4</BaseURL>' +
        '</Representation></AdaptationSet></Period></MPD>\n',
    ),
    hls: Buffer.from(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n' +
        `#EXTINF:10.0,\n${target}/hls/segment0.ts\n#EXT-X-ENDLIST\n`,
    ),
    ffconcat: Buffer.from(`ffconcat version 1.0\nfile '${target}/concat/part1.mp4'\nfile '${secretFile}'\n`),
    'file-reference': Buffer.from(
      `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nfile:${secretFile}\n#EXT-X-ENDLIST\n`,
    ),
    svg: Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="640" height="360">' +
        `<image xlink:href="${target}/svg/image.png" width="640" height="360"/></svg>\n`,
    ),
    html: Buffer.from(
      `<!DOCTYPE html><html><body><video src="${target}/html/video.mp4"></video>` +
        `<img src="${target}/html/pixel.gif"></body></html>\n`,
    ),
  };
}

/**
 * `content` behind the boxes an MP4 begins with (`ftyp isom`, then `mdat` running to the end of the file): it
 * passes the upload sniff, so it is the ingest (the forced demuxer) that must refuse it.
 */
export function behindMp4Boxes(content: Buffer): Buffer {
  const ftyp = Buffer.from('\0\0\0\x14ftypisom\0\0\x02\0isom', 'latin1');
  const mdat = Buffer.from('\0\0\0\0mdat', 'latin1');
  return Buffer.concat([ftyp, mdat, content]);
}
