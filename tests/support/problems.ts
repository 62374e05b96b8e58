/** An RFC 7807 answer with this status and the spec's wording in `detail`. */
export function expectProblem(
  res: { status: number; body: { detail?: string } },
  status: number,
  detail: string,
): void {
  expect({ status: res.status, detail: res.body.detail }).toEqual({ status, detail });
}
