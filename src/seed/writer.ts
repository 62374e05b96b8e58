import type { Knex } from 'knex';

/** Column name → the Postgres type its values are cast to (`uuid`, `text`, `course_status`, …). */
export type ColumnTypes = Record<string, string>;

/**
 * Buffers rows column by column and writes them with one `INSERT … SELECT * FROM unnest($1::uuid[], …)` per
 * batch: one parameter per column whatever the row count, so thousands of rows cost one round trip and one
 * statement (statement-level triggers fire once per batch).
 */
export class TableWriter {
  private readonly names: string[];
  private columns: unknown[][];
  written = 0;

  constructor(
    readonly table: string,
    private readonly types: ColumnTypes,
  ) {
    this.names = Object.keys(types);
    this.columns = this.names.map(() => []);
  }

  get pending(): number {
    return this.columns[0].length;
  }

  add(row: Record<string, unknown>): void {
    this.names.forEach((name, i) => {
      const value = row[name];
      this.columns[i].push(value instanceof Date ? value.toISOString() : (value ?? null));
    });
  }

  async flush(db: Knex | Knex.Transaction): Promise<void> {
    if (this.pending === 0) return;
    const list = this.names.map((n) => `"${n}"`).join(', ');
    const arrays = this.names.map((n) => `?::${this.types[n]}[]`).join(', ');
    const rows = this.pending;
    await db.raw(`INSERT INTO ${this.table} (${list}) SELECT * FROM unnest(${arrays})`, this.columns as Knex.Value[]);
    this.written += rows;
    this.columns = this.names.map(() => []);
  }
}

/** Writers flushed together in foreign-key order, so a batch never refers to a row not yet written. */
export class Loader {
  constructor(
    private readonly db: Knex | Knex.Transaction,
    private readonly writers: readonly TableWriter[],
    private readonly batchRows: number,
  ) {}

  async flushIfFull(): Promise<void> {
    if (this.writers.some((w) => w.pending >= this.batchRows)) await this.flush();
  }

  async flush(): Promise<void> {
    for (const writer of this.writers) {
      await writer.flush(this.db);
      await this.analyzeIfGrown(writer);
    }
  }

  /** Row counts at each table's last ANALYZE. */
  private readonly analyzedAt = new Map<TableWriter, number>();

  /**
   * ANALYZE a table each time it has doubled since the last one. The load is one transaction, so
   * autovacuum never sees its rows; without this the planner (and the plans the triggers cache) would
   * keep taking the tables for the empty ones of the migration, and pick scans that grow with them.
   */
  private async analyzeIfGrown(writer: TableWriter): Promise<void> {
    const last = this.analyzedAt.get(writer) ?? 0;
    if (writer.written < Math.max(1000, 2 * last)) return;
    await this.db.raw(`ANALYZE ${writer.table}`);
    this.analyzedAt.set(writer, writer.written);
  }
}
