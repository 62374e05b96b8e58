/**
 * deploy/temporal-setup.sh (the operator's script, run by the compose admin-tools container and the rehearsal)
 * registers the search attributes the code defines in src/temporal/shared.ts: the two lists must not drift.
 */
import fs from 'node:fs';
import path from 'node:path';
import { searchAttributes } from '../../src/temporal/shared';

it('deploy/temporal-setup.sh registers exactly the search attributes of src/temporal/shared.ts', () => {
  const script = fs.readFileSync(path.join(__dirname, '..', '..', 'deploy', 'temporal-setup.sh'), 'utf8');
  const block = /SEARCH_ATTRIBUTES="\n([^"]*)"/.exec(script);
  expect(block).not.toBeNull();
  const inScript = (block?.[1] ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => line.toLowerCase())
    .sort();
  // The SDK's type names are upper case (KEYWORD, DATETIME, INT); the CLI's are capitalised.
  const inCode = Object.values(searchAttributes)
    .map((key) => `${key.name} ${key.type}`.toLowerCase())
    .sort();
  expect(inScript).toEqual(inCode);
});
