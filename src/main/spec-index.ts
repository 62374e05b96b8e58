import fs from 'node:fs';
import path from 'node:path';
import { citations, renderSpecIndex, specTitles } from '../docs/spec-index';
import { runMain } from './run-main';

const ROOT = path.join(__dirname, '..', '..');
const SPEC = path.join(ROOT, '..', 'shared', 'spec', 'course-marketplace-backend-tasks.md');

/** `npm run spec:index`: rewrites docs/spec-index.md from the spec ids cited in the code. */
runMain(async () => {
  const spec = process.env.EDUSTREAM_SPEC ?? SPEC; // ../shared/spec next to the main checkout
  if (!fs.existsSync(spec)) throw new Error(`the spec is not at ${spec} (set EDUSTREAM_SPEC to its path)`);
  const out = path.join(ROOT, 'docs', 'spec-index.md');
  fs.writeFileSync(out, renderSpecIndex(citations(ROOT), specTitles(fs.readFileSync(spec, 'utf8'))));
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
});
