/**
 * For afterAll: closes, in order, what setup got to open. What is still undefined (a beforeAll
 * that failed before it got there) is skipped, so the run shows setup's own error, not a
 * "Cannot read properties of undefined" from teardown. Call it in a closure, so the variables
 * are read when teardown runs: `afterAll(() => closeAll(browser, server, h))`.
 */
export async function closeAll(...items: ({ close(): unknown } | undefined)[]): Promise<void> {
  for (const item of items) await item?.close();
}
