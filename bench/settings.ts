/**
 * @module The bench's command line and the shape every section shares, so
 * bench/run.ts and the section files (bench/isolation.ts, bench/outage.ts, ...)
 * read one set of numbers. Options: --quick (shorter windows), --no-dynamodb,
 * --no-latency, --no-bundles.
 */
const args = new Set(process.argv.slice(2));

export const QUICK = args.has("--quick");
export const SKIP_DYNAMODB = args.has("--no-dynamodb");
export const SKIP_LATENCY = args.has("--no-latency");
export const SKIP_BUNDLES = args.has("--no-bundles");

/** Messages per batch, as the stack's event source mapping delivers them (batchSize 10). */
export const BATCH = 10;
/** Batches in flight at once in this process, each worked like one Lambda invocation. */
export const WORKERS = 2;
export const ROUNDS = 3;
export const WINDOW_MS = QUICK ? 500 : 1500;
/** docs/delivery.md: a 2xx within 3 s; the sender's production timeout. */
export const TIMEOUT_MS = 3000;

/** The AWS SDK warns that its 2027 releases need Node 22; true, and not this benchmark's business. */
export function ignoreNodeVersionWarning(): void {
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (!`${warning.name} ${warning.message}`.includes("NodeVersionSupportWarning"))
      console.warn(`${warning.name}: ${warning.message}`);
  });
}

let sequence = 0;

/** A new event id for this process: the store dedupes (tenant, id), so no two messages share one. */
export function nextEventId(): { id: string; messageId: string } {
  const n = sequence++;
  return { id: `evt_${n}`, messageId: `sqs-${n}` };
}
