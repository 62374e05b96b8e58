import {
  derivedVideoKeys,
  ingestPercent,
  renditionsFor,
  sniffVideoContainer,
  thumbnailAtSeconds,
  videoObjectKey,
  wholeSeconds,
} from '../../src/domain/video';
import { interpretProbe, planRenditions, redactUrls, transcodeArgs } from '../../src/media/ffmpeg';
import { masterPlaylist, mediaPlaylistStats } from '../../src/media/hls';

const box = (type: string, brand = ''): Uint8Array =>
  Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from(type + brand, 'latin1'), Buffer.alloc(8)]);

describe('sniffVideoContainer', () => {
  it('recognises MP4 and QuickTime by their first box', () => {
    expect(sniffVideoContainer(box('ftyp', 'isom'))).toBe('mp4');
    expect(sniffVideoContainer(box('ftyp', 'mp42'))).toBe('mp4');
    expect(sniffVideoContainer(box('ftyp', 'qt  '))).toBe('mov');
    expect(sniffVideoContainer(box('moov'))).toBe('mov'); // QuickTime before the ftyp atom existed
  });

  it('refuses other ISO media (audio, images) and everything else', () => {
    expect(sniffVideoContainer(box('ftyp', 'M4A '))).toBeUndefined();
    expect(sniffVideoContainer(box('ftyp', 'heic'))).toBeUndefined();
    expect(sniffVideoContainer(Buffer.from('%PDF-1.7 something'))).toBeUndefined();
    expect(sniffVideoContainer(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined(); // Matroska/WebM
    expect(sniffVideoContainer(box('ftyp', 'isom').subarray(0, 11))).toBeUndefined(); // too short to tell
  });
});

describe('object keys', () => {
  it('derive the thumbnail and stream keys from the original’s key', () => {
    const key = videoObjectKey('c1', '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed', 'mov');
    expect(key).toBe('courses/c1/videos/1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed.mov');
    expect(derivedVideoKeys(key)).toEqual({
      thumbnailKey: 'courses/c1/thumbnails/1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed.jpg',
      streamPrefix: 'courses/c1/streams/1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed/',
      masterPlaylistKey: 'courses/c1/streams/1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed/master.m3u8',
    });
    expect(() => derivedVideoKeys('courses/c1/../../etc/passwd')).toThrow();
  });
});

describe('processing rules', () => {
  it('takes the thumbnail at 5 s, or mid-way through a short video', () => {
    expect(thumbnailAtSeconds(60)).toBe(5);
    expect(thumbnailAtSeconds(10)).toBe(5);
    expect(thumbnailAtSeconds(4)).toBe(2);
  });

  it('stores whole seconds, at least one', () => {
    expect(wholeSeconds(4.021)).toBe(4);
    expect(wholeSeconds(4.5)).toBe(5);
    expect(wholeSeconds(0.2)).toBe(1);
  });

  it('makes every rung the source can fill, never an upscale', () => {
    expect(renditionsFor(1920, 1080).map((r) => r.lines)).toEqual([1080, 720, 480, 360]);
    expect(renditionsFor(1280, 720).map((r) => r.lines)).toEqual([720, 480, 360]);
    expect(renditionsFor(1080, 1920).map((r) => r.lines)).toEqual([1080, 720, 480, 360]); // portrait: the shorter side counts
    expect(renditionsFor(320, 240)).toEqual([{ lines: 240, videoKbps: 533, audioKbps: 96 }]);
  });

  it('plans even output sizes keeping the aspect ratio', () => {
    expect(
      planRenditions({ width: 1280, height: 720 }, renditionsFor(1280, 720)).map((r) => `${r.width}x${r.height}`),
    ).toEqual(['1280x720', '854x480', '640x360']);
    expect(
      planRenditions({ width: 720, height: 1280 }, renditionsFor(720, 1280)).map((r) => `${r.width}x${r.height}`),
    ).toEqual(['720x1280', '480x854', '360x640']);
  });

  it('adds the stages up to one percentage that never exceeds 100', () => {
    expect(ingestPercent('probing')).toBe(0);
    expect(ingestPercent('transcoding', 0)).toBe(5);
    expect(ingestPercent('transcoding', 50)).toBe(51);
    expect(ingestPercent('transcoding', 150)).toBe(98);
    expect(ingestPercent('ready')).toBe(100);
  });
});

describe('ffmpeg and ffprobe', () => {
  it('reads what ffprobe says, and says why a file is not a video', () => {
    const probe = JSON.stringify({
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '4.021' },
      streams: [
        { codec_type: 'video', codec_name: 'h264', width: 640, height: 360 },
        { codec_type: 'audio', codec_name: 'aac' },
      ],
    });
    expect(interpretProbe(probe)).toEqual({
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      durationSeconds: 4.021,
      width: 640,
      height: 360,
      videoCodec: 'h264',
      hasAudio: true,
    });
    const coverArtOnly = JSON.stringify({
      format: { duration: '180' },
      streams: [
        { codec_type: 'audio' },
        { codec_type: 'video', width: 500, height: 500, disposition: { attached_pic: 1 } },
      ],
    });
    expect(interpretProbe(coverArtOnly)).toEqual({ unreadable: 'The file contains no video stream' });
    expect(
      interpretProbe(JSON.stringify({ format: {}, streams: [{ codec_type: 'video', width: 2, height: 2 }] })),
    ).toEqual({ unreadable: 'The video has no duration' });
  });

  it('decodes once and writes one HLS output per rendition', () => {
    const planned = planRenditions({ width: 1280, height: 720 }, renditionsFor(1280, 720));
    const args = transcodeArgs('in.mp4', planned, '/out', { hasAudio: false });
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    expect(args[args.indexOf('-filter_complex') + 1]).toMatch(/^\[0:v\]split=3/);
    expect(args.filter((a) => a === 'hls')).toHaveLength(3);
    expect(args).not.toContain('0:a:0');
    expect(args.filter((a) => a.endsWith('.m3u8'))).toEqual(['/out/720p.m3u8', '/out/480p.m3u8', '/out/360p.m3u8']);
  });

  it('keeps presigned signatures out of error messages', () => {
    const line = 'http://s3/b/k.mp4?X-Amz-Signature=abc&x-id=GetObject: Invalid data found when processing input';
    expect(redactUrls(line)).toBe('http://s3/b/k.mp4?[redacted]: Invalid data found when processing input');
  });
});

describe('HLS playlists', () => {
  const media = [
    '#EXTM3U',
    '#EXT-X-MAP:URI="360p.mp4",BYTERANGE="1000@0"',
    '#EXTINF:6.000000,',
    '#EXT-X-BYTERANGE:600000@1000',
    '360p.mp4',
    '#EXTINF:2.000000,',
    '#EXT-X-BYTERANGE:100000@601000',
    '360p.mp4',
    '#EXT-X-ENDLIST',
  ].join('\n');

  it('measures peak and average bandwidth from the byte ranges', () => {
    expect(mediaPlaylistStats(media)).toEqual({ peakBitsPerSecond: 800_000, averageBitsPerSecond: 700_000 });
  });

  it('lists the variants highest first', () => {
    const text = masterPlaylist([
      { uri: '360p.m3u8', width: 640, height: 360, peakBitsPerSecond: 800_000, averageBitsPerSecond: 700_000 },
      { uri: '720p.m3u8', width: 1280, height: 720, peakBitsPerSecond: 3_000_000, averageBitsPerSecond: 2_500_000 },
    ]);
    expect(text.split('\n').filter((l) => l.endsWith('.m3u8'))).toEqual(['720p.m3u8', '360p.m3u8']);
    expect(text).toContain('#EXT-X-STREAM-INF:BANDWIDTH=3000000,AVERAGE-BANDWIDTH=2500000,RESOLUTION=1280x720');
  });
});
