/**
 * Remembers recent `total`s per query for a short while (SEARCH_TOTAL_TTL), in this process.
 *
 * Counting is the one part of a listing whose cost grows with the catalogue: the page is an index range
 * that stops after `limit` rows, the total visits every match (50,000 for the unfiltered catalogue or a
 * keyword found in every description). The same few counts are asked over and over (the catalogue's first
 * page, a category, a popular keyword), so each is counted once per TTL; pages themselves are always
 * read live. Concurrent requests for the same uncached count share one query. Per instance is right here
 * (spec MKT-010's cache, DESIGN §2): a total a few seconds old on one instance harms nobody.
 */
export class TotalCache {
  private readonly entries = new Map<string, { expires: number; total: Promise<number> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** The remembered total for `key`, or `count()`'s (then remembered). */
  get(key: string, count: () => Promise<number>, now = Date.now()): { total: Promise<number>; cached: boolean } {
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return { total: hit.total, cached: true };
    if (hit) this.entries.delete(key);
    const total = count();
    if (!this.enabled) return { total, cached: false };
    const entry = { expires: now + this.ttlMs, total };
    this.entries.set(key, entry);
    // A failed count is not remembered.
    total.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    // Map keeps insertion order: the first key is the oldest.
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return { total, cached: false };
  }
}
