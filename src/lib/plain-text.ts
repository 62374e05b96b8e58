import { decodeHTML } from 'entities';
import sanitizeHtml from 'sanitize-html';

const TEXT_ONLY: sanitizeHtml.IOptions = { allowedTags: [], allowedAttributes: {} };
/** Each round removes markup or decodes one level of entities; real input is stable after 1–3 rounds. */
const MAX_ROUNDS = 8;

/**
 * User-written text with every HTML tag removed (script/style contents included), returned as plain text:
 * "Tom &amp; Jerry <b>rock</b>" → "Tom & Jerry rock", "I <3 it" stays "I <3 it".
 *
 * sanitize-html parses like a browser but answers HTML (entity-encoded). Decoding it gives the plain text, and
 * repeating until nothing changes makes sure that decoded entities ("&lt;img onerror=…&gt;") cannot
 * turn back into markup: the result contains no tag even if a careless client renders it as HTML.
 */
export function toPlainText(input: string): string {
  let text = input;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = decodeHTML(sanitizeHtml(text, TEXT_ONLY));
    if (next === text) return text.trim();
    text = next;
  }
  // Entities nested deeper than any person types: keep the last round encoded rather than risk markup.
  return sanitizeHtml(text, TEXT_ONLY).trim();
}
