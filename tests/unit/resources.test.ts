import {
  resourceFilename,
  resourceKey,
  resourceObjectKey,
  resourceUrl,
  sizeMb,
  sniffResource,
} from '../../src/domain/resources';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('sniffResource', () => {
  it.each([
    [bytes('%PDF-1.4\n'), 'x.bin', 'application/pdf'],
    [
      bytes([0x50, 0x4b, 0x03, 0x04], 'rest'),
      'Deck.PPTX',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
    [
      bytes([0x50, 0x4b, 0x03, 0x04], 'rest'),
      'notes.docx',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ],
    [bytes([0x50, 0x4b, 0x05, 0x06]), 'empty.zip', 'application/zip'],
    [bytes([0x50, 0x4b, 0x03, 0x04]), 'archive.tar', 'application/zip'],
    [bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), 'old.ppt', 'application/vnd.ms-powerpoint'],
    [bytes([0xff, 0xd8, 0xff, 0xe0]), 'photo.png', 'image/jpeg'],
    [bytes('GIF89a'), 'a.gif', 'image/gif'],
    [Buffer.from('SELECT 1;\r\n\tçà — ünïcode\n'), 'query.sql', 'text/plain; charset=utf-8'],
    // a multi-byte character cut by the sniff window is still text
    [Buffer.from('ab€').subarray(0, 4), 'cut.txt', 'text/plain; charset=utf-8'],
  ])('%#: recognises %s as %s', (head, name, type) => {
    expect(sniffResource(head, name)).toEqual({ contentType: type });
  });

  it.each([
    [Buffer.alloc(0), 'empty.txt'],
    [bytes([0x7f, 0x45, 0x4c, 0x46]), 'elf.pdf'],
    [bytes('MZ', [0x90, 0]), 'setup.txt'],
    [bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), 'installer.msi'],
    [bytes('text with a NUL', [0]), 'a.txt'],
    [bytes([0xc3, 0x28, 0x41, 0x42, 0x43]), 'invalid-utf8.txt'],
  ])('%#: refuses %s', (head, name) => {
    expect(sniffResource(head, name)).toBeUndefined();
  });
});

describe('resourceFilename', () => {
  it.each([
    ['slides.pdf', 'slides.pdf'],
    ['C:\\Users\\me\\Week 1.pdf', 'Week 1.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['tab\tand\nnewline.txt', 'tabandnewline.txt'],
    ['', 'resource'],
    [undefined, 'resource'],
    ['..', 'resource'],
  ])('%j → %j', (name, expected) => {
    expect(resourceFilename(name)).toBe(expected);
  });

  it('shortens long names to 255 characters, keeping the extension', () => {
    const name = resourceFilename(`${'a'.repeat(400)}.pdf`);
    expect(name).toHaveLength(255);
    expect(name.endsWith('a.pdf')).toBe(true);
  });
});

it('keys, urls and sizes', () => {
  const key = resourceObjectKey('c1', 'r1');
  expect(key).toBe('courses/c1/resources/r1');
  expect(resourceKey({ url: resourceUrl('bucket', key) })).toBe(key);
  expect([sizeMb(2_411_725), sizeMb(0), sizeMb(5_242_880)]).toEqual([2.3, 0, 5]);
});
