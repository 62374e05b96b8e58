import type { Knex } from 'knex';

/**
 * A piece of SQL with its values kept apart: interpolations become bound parameters, never text, and a
 * fragment interpolated into another carries its own values along. Rendered with knex's `?` placeholders,
 * so `knex.raw(text, values)` runs it (and `.toSQL().toNative()` shows the `$n` form Postgres receives).
 */
export class Sql {
  constructor(
    readonly text: string,
    readonly values: readonly Knex.Value[],
  ) {}

  raw(knex: Knex | Knex.Transaction): Knex.Raw {
    return knex.raw(this.text, this.values as Knex.Value[]);
  }
}

export function sql(strings: TemplateStringsArray, ...parts: (Sql | Knex.Value)[]): Sql {
  let text = strings[0];
  const values: Knex.Value[] = [];
  parts.forEach((part, i) => {
    if (part instanceof Sql) {
      text += part.text;
      values.push(...part.values);
    } else {
      text += '?';
      values.push(part);
    }
    text += strings[i + 1];
  });
  return new Sql(text, values);
}

/** Trusted SQL text (identifiers and keywords chosen by code, never by input). */
export function unsafe(text: string): Sql {
  if (text.includes('?')) throw new Error('SQL text must not contain "?" (it is the parameter placeholder)');
  return new Sql(text, []);
}

export function join(parts: readonly Sql[], separator: string): Sql {
  return (
    parts.reduce<Sql | undefined>(
      (acc, part) => (acc ? new Sql(`${acc.text}${separator}${part.text}`, [...acc.values, ...part.values]) : part),
      undefined,
    ) ?? unsafe('')
  );
}
