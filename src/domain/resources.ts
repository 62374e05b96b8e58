/**
 * Lesson resources (spec MKT-004/MKT-006: "resources (PDFs, slides)", `resource_urls` JSONB): the files a
 * lesson hands out next to its video. What is accepted is decided from the file's first bytes, as for
 * videos; the name the instructor gave only picks between formats that share a container (a .pptx and a
 * .docx are both ZIP archives). Everything is served as a download (Content-Disposition: attachment),
 * never rendered from our storage's origin.
 */

export const MAX_RESOURCE_BYTES = 100 * 1024 * 1024;
export const MAX_RESOURCES_PER_LESSON = 20;
/** Enough for every signature below and for telling text from binary. */
export const RESOURCE_SNIFF_BYTES = 512;

export const RESOURCE_MESSAGES = {
  tooLarge: `A resource file may be at most ${MAX_RESOURCE_BYTES / 1024 / 1024} MB`,
  unsupported:
    'Resource must be a PDF, an office document or slides, a ZIP archive, an image (PNG, JPEG, GIF) or a UTF-8 text file',
  tooMany: `A lesson has at most ${MAX_RESOURCES_PER_LESSON} resources`,
  failed: 'Storing the resource failed, retry',
  notFound: 'Resource not found',
} as const;

/** What the first bytes showed. */
export interface ResourceKind {
  contentType: string;
}

/** One entry of course_lessons.resource_urls: the spec's {filename, url: "s3://…", size_mb}, plus what serving it needs. */
export interface LessonResource {
  id: string;
  filename: string;
  /** `s3://{bucket}/{key}` */
  url: string;
  size_mb: number;
  size_bytes: number;
  content_type: string;
  uploaded_at: string;
}

const ZIP_FORMATS: Record<string, string> = {
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  key: 'application/vnd.apple.keynote',
  epub: 'application/epub+zip',
  zip: 'application/zip',
};

/** The legacy Office formats share one container (OLE compound file). */
const COMPOUND_FORMATS: Record<string, string> = {
  ppt: 'application/vnd.ms-powerpoint',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
};

const startsWith = (head: Uint8Array, signature: readonly number[]): boolean =>
  head.length >= signature.length && signature.every((byte, i) => head[i] === byte);
const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

const extension = (filename: string): string => /\.([a-z0-9]{1,10})$/i.exec(filename)?.[1].toLowerCase() ?? '';

/**
 * The kind of file `head` (its first RESOURCE_SNIFF_BYTES bytes, or all of a shorter file) begins, or
 * undefined when it is not one we hand out.
 */
export function sniffResource(head: Uint8Array, filename: string): ResourceKind | undefined {
  if (head.length === 0) return undefined;
  if (startsWith(head, ascii('%PDF-'))) return { contentType: 'application/pdf' };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    return { contentType: ZIP_FORMATS[extension(filename)] ?? ZIP_FORMATS.zip };
  }
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    const type = COMPOUND_FORMATS[extension(filename)];
    return type ? { contentType: type } : undefined;
  }
  if (startsWith(head, [0x89, ...ascii('PNG\r\n'), 0x1a, 0x0a])) return { contentType: 'image/png' };
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { contentType: 'image/jpeg' };
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return { contentType: 'image/gif' };
  return isUtf8Text(head) ? { contentType: 'text/plain; charset=utf-8' } : undefined;
}

/** Valid UTF-8 without NUL, DEL or other control characters than tab, line breaks and form feed; a character cut off at the end is fine. */
function isUtf8Text(head: Uint8Array): boolean {
  for (let i = 0; i < head.length; i++) {
    const b = head[i];
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) || b === 0x7f) return false;
  }
  // A fatal decoder refuses invalid sequences; dropping up to three trailing bytes forgives a cut character.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let cut = 0; cut <= Math.min(3, head.length - 1); cut++) {
    try {
      decoder.decode(head.subarray(0, head.length - cut));
      return true;
    } catch {
      // try one byte shorter
    }
  }
  return false;
}

/**
 * The name a resource is stored and downloaded under: the client's file name without any folder part or
 * control characters, at most 255 characters (its extension kept); `resource` when nothing is left.
 */
export function resourceFilename(name: string | undefined): string {
  // Control characters are exactly what is removed.
  // eslint-disable-next-line no-control-regex
  const controlCharacters = /[\u0000-\u001f\u007f]/g;
  const base = (name ?? '').split(/[/\\]/).pop()!.replace(controlCharacters, '').trim();
  if (base === '' || base === '.' || base === '..') return 'resource';
  if (base.length <= 255) return base;
  const ext = extension(base);
  return ext ? `${base.slice(0, 254 - ext.length)}.${ext}` : base.slice(0, 255);
}

/** `courses/{courseId}/resources/{resourceId}`: the name travels in the object's Content-Disposition, not its key. */
export const resourceObjectKey = (courseId: string, resourceId: string): string =>
  `courses/${courseId}/resources/${resourceId}`;

export const resourceUrl = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

/** The object key inside a resource's `s3://bucket/key` url. */
export const resourceKey = (resource: Pick<LessonResource, 'url'>): string => new URL(resource.url).pathname.slice(1);

/** Size in MB with two decimals, as the spec's `size_mb` shows it. */
export const sizeMb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 100) / 100;
