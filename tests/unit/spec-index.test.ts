/**
 * docs/spec-index.md lists, for each spec id, the files citing it: this fails when a citation was added,
 * moved or removed without `npm run spec:index` (titles come from the spec, outside the repository, and are
 * not compared).
 */
import fs from 'node:fs';
import path from 'node:path';
import { citations, citationsInIndex, renderSpecIndex } from '../../src/docs/spec-index';

const ROOT = path.join(__dirname, '..', '..');

it('docs/spec-index.md matches the spec ids cited in the code (run `npm run spec:index`)', () => {
  const committed = fs.readFileSync(path.join(ROOT, 'docs', 'spec-index.md'), 'utf8');
  const fromCode = citationsInIndex(renderSpecIndex(citations(ROOT), new Map()));
  const listed = citationsInIndex(committed).filter((row) => !row.endsWith('| — | —')); // tasks cited nowhere
  expect(listed).toEqual(fromCode);
});
