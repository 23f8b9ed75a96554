import { setTimeout as sleep } from "node:timers/promises";

/** Polls until probe() is true or the deadline passes; answers whether it became true. */
export async function waitFor(
  probe: () => boolean | Promise<boolean>,
  { timeoutMs, intervalMs = 50 }: { timeoutMs: number; intervalMs?: number },
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}
