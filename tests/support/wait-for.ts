/**
 * The one polling helper of the tests: asks `probe` every `intervalMs` until it gives a value (anything but
 * undefined), and returns it; after `timeoutMs` throws "timed out waiting for <what>". For a condition, return
 * `true` or undefined: `waitFor(async () => (await done()) || undefined, 'done')`.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
