import {
  derivedVideoKeys,
  ingestPercent,
  renditionsFor,
  SNIFF_BYTES,
  sniffVideoContainer,
  spokenDuration,
  thumbnailAtSeconds,
  videoLimitViolation,
  videoObjectKey,
  wholeSeconds,
} from '../../src/domain/video';
import {
  inputProtocols,
  interpretProbe,
  planRenditions,
  probeArgs,
  redactUrls,
  thumbnailArgs,
  transcodeArgs,
} from '../../src/media/ffmpeg';
import { masterPlaylist, mediaPlaylistStats } from '../../src/media/hls';

/** An ISO-BMFF box: 32-bit big-endian size (the whole box unless given), four-character type, payload. */
const box = (type: string, payload: Uint8Array | string = new Uint8Array(), size?: number): Buffer => {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : Buffer.from(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(size ?? 8 + body.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
};
/** `ftyp` with a major brand, minor version 0 and the compatible brands. */
const ftyp = (brand: string, ...compatible: string[]): Buffer =>
  box(
    'ftyp',
    Buffer.concat([Buffer.from(brand, 'latin1'), Buffer.alloc(4), Buffer.from(compatible.join(''), 'latin1')]),
  );
const mvhd = box('mvhd', Buffer.alloc(100));
/** A file: the boxes, then filler so the head is as long as the sniff reads (a longer file). */
const file = (...boxes: Buffer[]): Buffer => {
  const start = Buffer.concat(boxes);
  return Buffer.concat([start, Buffer.alloc(Math.max(0, SNIFF_BYTES - start.length))]);
};

describe('sniffVideoContainer', () => {
  it('recognises MP4 and QuickTime by a well-formed first box', () => {
    // What ffmpeg, cameras and editors write: ftyp, then free/wide, then mdat.
    expect(
      sniffVideoContainer(file(ftyp('isom', 'isom', 'iso2', 'avc1', 'mp41'), box('free'), box('mdat', '', 1e6))),
    ).toBe('mp4');
    expect(sniffVideoContainer(file(ftyp('mp42', 'mp42', 'isom')))).toBe('mp4');
    expect(sniffVideoContainer(file(ftyp('qt  ', 'qt  '), box('wide'), box('mdat', '', 1e6)))).toBe('mov');
  });

  it('recognises QuickTime written before the ftyp atom existed', () => {
    expect(sniffVideoContainer(file(box('moov', mvhd, 1e6)))).toBe('mov');
    expect(sniffVideoContainer(file(box('wide'), box('mdat', '', 0)))).toBe('mov'); // size 0: to the end of the file
    expect(sniffVideoContainer(file(box('skip', Buffer.alloc(100)), box('free'), box('moov', mvhd)))).toBe('mov');
    const largeMdat = Buffer.alloc(16);
    largeMdat.writeUInt32BE(1); // a 64-bit size follows the type
    largeMdat.write('mdat', 4, 'latin1');
    largeMdat.writeUInt32BE(2, 8); // 8 GiB
    expect(sniffVideoContainer(file(box('wide'), largeMdat))).toBe('mov');
  });

  it('refuses other ISO media (audio, images) and other files', () => {
    expect(sniffVideoContainer(file(ftyp('M4A ', 'M4A ')))).toBeUndefined();
    expect(sniffVideoContainer(file(ftyp('heic', 'mif1')))).toBeUndefined();
    expect(sniffVideoContainer(Buffer.from('%PDF-1.7 something'))).toBeUndefined();
    expect(sniffVideoContainer(file(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0x20])))).toBeUndefined(); // Matroska/WebM
  });

  it('refuses text whose bytes 4–8 spell an atom type', () => {
    const dash =
      '<!--free--><MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><BaseURL>http://169.254.169.254/</BaseURL></MPD>';
    expect(sniffVideoContainer(Buffer.from(dash))).toBeUndefined(); // its "size" is `<!--`, longer than the file
    expect(sniffVideoContainer(file(Buffer.from(dash)))).toBeUndefined(); // ~1 GB of "free" at the start: not a real file
    expect(sniffVideoContainer(file(Buffer.from('#EXTM3Ufree\n#EXTINF:1,\nhttp://127.0.0.1/')))).toBeUndefined();
    expect(sniffVideoContainer(file(Buffer.from('<svgmoov xmlns="http://www.w3.org/2000/svg"/>')))).toBeUndefined();
  });

  it('checks sizes and structure, not just the type', () => {
    expect(sniffVideoContainer(file(box('ftyp', 'isom', 4)))).toBeUndefined(); // size below the header
    expect(sniffVideoContainer(file(box('ftyp', 'isom\0\0\0\0iso')))).toBeUndefined(); // a torn compatible brand
    expect(sniffVideoContainer(file(ftyp('isom'), Buffer.alloc(2000)).subarray(0, 12))).toBeUndefined(); // cut short
    expect(sniffVideoContainer(file(box('ftyp', Buffer.alloc(2000, 0x61))))).toBeUndefined(); // kilobytes of brands
    expect(sniffVideoContainer(ftyp('isom', 'isom'), 16)).toBeUndefined(); // ftyp of 20 bytes in a file of 16
    expect(sniffVideoContainer(file(box('moov', mvhd, 1e6)), 5000)).toBeUndefined(); // moov beyond the end of the file
    expect(sniffVideoContainer(file(box('moov', 'not a box at all')))).toBeUndefined(); // moov must hold boxes
    expect(sniffVideoContainer(file(box('moov', box('abcd', Buffer.alloc(10)))))).toBeUndefined(); // …beginning with its header
    expect(sniffVideoContainer(file(box('free', '', SNIFF_BYTES)))).toBeUndefined(); // filler hiding what follows
    expect(
      sniffVideoContainer(file(box('free'), box('free'), box('free'), box('free'), box('free'), box('mdat'))),
    ).toBeUndefined();
    expect(
      sniffVideoContainer(file(box('wide'), Buffer.from('<MPD><BaseURL>http://x/</BaseURL></MPD>'))),
    ).toBeUndefined();
    expect(sniffVideoContainer(file(box('free'), ftyp('isom')))).toBeUndefined(); // ftyp only first
  });
});

describe('video limits', () => {
  const limits = {
    maxDurationSeconds: 4 * 3600,
    maxLongSide: 4096,
    maxShortSide: 2160,
    maxFramesPerSecond: 60,
    maxBitRateKbps: 100_000,
  };
  const hd = { durationSeconds: 600, width: 1920, height: 1080, framesPerSecond: 30, bitRateKbps: 8000 };

  it('accepts what is within every limit, 4K and 59.94/60 fps included, in either orientation', () => {
    expect(videoLimitViolation(hd, limits)).toBeUndefined();
    expect(videoLimitViolation({ ...hd, width: 3840, height: 2160, framesPerSecond: 60 }, limits)).toBeUndefined();
    expect(
      videoLimitViolation({ ...hd, width: 2160, height: 4096, framesPerSecond: 60000 / 1001 }, limits),
    ).toBeUndefined();
    expect(videoLimitViolation({ durationSeconds: 4 * 3600, width: 640, height: 360 }, limits)).toBeUndefined(); // rate unknown
  });

  it('names the limit a video exceeds, in words', () => {
    expect(videoLimitViolation({ ...hd, durationSeconds: 4 * 3600 + 1800 }, limits)).toBe(
      'The video is 4 h 30 min long; a lesson video may be at most 4 h long',
    );
    expect(videoLimitViolation({ ...hd, width: 7680, height: 4320 }, limits)).toBe(
      'The video is 7680×4320 pixels; a lesson video may be at most 4096×2160 (or 2160×4096 upright)',
    );
    expect(videoLimitViolation({ ...hd, width: 2400, height: 2400 }, limits)).toMatch(/^The video is 2400×2400 pixels/);
    expect(videoLimitViolation({ ...hd, framesPerSecond: 120 }, limits)).toBe(
      'The video has 120 frames per second; a lesson video may have at most 60',
    );
    expect(videoLimitViolation({ ...hd, bitRateKbps: 250_000 }, limits)).toBe(
      "The video's bit rate is 250 Mbit/s; a lesson video may have at most 100 Mbit/s (export it at a lower quality setting)",
    );
  });

  it('says durations the way people do', () => {
    expect([3, 65, 600, 3600, 5400, 14_400].map(spokenDuration)).toEqual([
      '3 s',
      '1 min 5 s',
      '10 min',
      '1 h',
      '1 h 30 min',
      '4 h',
    ]);
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
    const rates = {
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '10', bit_rate: '2500000' },
      streams: [{ codec_type: 'video', width: 640, height: 360, avg_frame_rate: '30000/1001', r_frame_rate: '30/1' }],
    };
    expect(interpretProbe(JSON.stringify(rates))).toMatchObject({ framesPerSecond: 30000 / 1001, bitRateKbps: 2500 });
    rates.streams[0].avg_frame_rate = '0/0'; // unknown: the nominal rate stands in
    expect(interpretProbe(JSON.stringify(rates))).toMatchObject({ framesPerSecond: 30 });
    const coverArtOnly = JSON.stringify({
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '180' },
      streams: [
        { codec_type: 'audio' },
        { codec_type: 'video', width: 500, height: 500, disposition: { attached_pic: 1 } },
      ],
    });
    expect(interpretProbe(coverArtOnly)).toEqual({ unreadable: 'it contains no video' });
    const noDuration = {
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2' },
      streams: [{ codec_type: 'video', width: 2, height: 2 }],
    };
    expect(interpretProbe(JSON.stringify(noDuration))).toEqual({ unreadable: 'it has no duration' });
    // The demuxer is forced; were it not, a playlist or manifest read as something else is still refused.
    for (const format_name of ['hls', 'dash', 'concat', 'svg_pipe', 'matroska,webm']) {
      const other = {
        format: { format_name, duration: '10' },
        streams: [{ codec_type: 'video', width: 640, height: 360 }],
      };
      expect(interpretProbe(JSON.stringify(other))).toEqual({ unreadable: 'it is not an MP4/MOV video' });
    }
  });

  it('opens the original with the MP4/MOV demuxer forced and only the protocols reading it needs', () => {
    const tail = (args: string[]) => args.slice(args.indexOf('-f'));
    expect(tail(probeArgs('https://s3.example/b/k.mp4?X-Amz-Signature=s'))).toEqual([
      '-f',
      'mov',
      '-protocol_whitelist',
      'https,tls,tcp',
      '-i',
      'https://s3.example/b/k.mp4?X-Amz-Signature=s',
    ]);
    expect(inputProtocols('http://127.0.0.1:9000/b/k.mov')).toBe('http,tcp');
    expect(inputProtocols('/tmp/upload/k.mp4')).toBe('file');
    for (const input of [
      'file:/etc/passwd',
      'concat:a.mp4|b.mp4',
      'data:video/mp4;base64,AAAA',
      'subfile:x',
      'rtmp://h/x',
    ])
      expect(() => inputProtocols(input)).toThrow(/not an input/);
    const thumbnail = thumbnailArgs('http://s3/b/k.mp4', 5, '/out/t.jpg');
    expect(thumbnail.slice(thumbnail.indexOf('-ss'), thumbnail.indexOf('-i') + 2)).toEqual([
      '-ss',
      '5.000',
      '-f',
      'mov',
      '-protocol_whitelist',
      'http,tcp',
      '-i',
      'http://s3/b/k.mp4',
    ]);
  });

  it('decodes once and writes one HLS output per rendition', () => {
    const planned = planRenditions({ width: 1280, height: 720 }, renditionsFor(1280, 720));
    const args = transcodeArgs('in.mp4', planned, '/out', { hasAudio: false });
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    expect(args.slice(args.indexOf('-i') - 4, args.indexOf('-i'))).toEqual([
      '-f',
      'mov',
      '-protocol_whitelist',
      'file',
    ]);
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
