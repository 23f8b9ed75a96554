/**
 * @module Recover (docs/api.md): queue a resend of every failed or skipped delivery of an
 * endpoint created since a time; the delivery worker sends them. A long outage
 * can leave a log too long to page through in one API request, so the work goes
 * a part at a time: each part queues its resends and, when more of the log
 * remains, a recover message that the worker picks up to go on from there.
 * Every step can run twice: a resend names the attempt it makes, so a copy
 * sends nothing.
 */
import { hasAttemptsLeft, RECOVERABLE_STATUSES } from "./model";
import type { DeliveryLog, WorkQueue } from "./ports";
import type { RecoverMessage, ResendMessage } from "../queue-message";

export interface RecoveryDeps {
  readonly deliveries: DeliveryLog;
  readonly queue: WorkQueue;
  /** Log pages per part, and deliveries per page. */
  readonly pagesPerPart?: number;
  readonly pageSize?: number;
}

export interface RecoveryTarget {
  readonly tenantId: string;
  readonly webhookId: string;
  readonly since: Date;
  /** Where the previous part stopped. */
  readonly before?: string;
}

export function recovery(deps: RecoveryDeps) {
  const pagesPerPart = deps.pagesPerPart ?? 10;
  const pageSize = deps.pageSize ?? 100;

  /** Queues one part of a recovery; answers how many resends it queued and whether a part follows. */
  async function queuePart(target: RecoveryTarget): Promise<{ queued: number; continuing: boolean }> {
    const { tenantId, webhookId, since } = target;
    let before = target.before;
    let queued = 0;
    for (let page = 0; page < pagesPerPart; page++) {
      const found = await deps.deliveries.listDeliveries(webhookId, {
        since,
        statuses: RECOVERABLE_STATUSES,
        limit: pageSize,
        ...(before ? { before } : {}),
      });
      const resends = found.items
        // One sent as often as a delivery may be is left as it is.
        .filter(hasAttemptsLeft)
        .map((d): ResendMessage => ({
          kind: "resend",
          tenant_id: tenantId,
          webhook_id: webhookId,
          delivery_id: d.id,
          attempt: d.attempt_count + 1,
        }));
      await deps.queue.publishAll(resends);
      queued += resends.length;
      before = found.continueAfter;
      if (!before) return { queued, continuing: false };
    }
    const next: RecoverMessage = {
      kind: "recover",
      tenant_id: tenantId,
      webhook_id: webhookId,
      since: since.toISOString(),
      before: before ?? "",
    };
    await deps.queue.publishAll([next]);
    return { queued, continuing: true };
  }

  return {
    queuePart,
    /** The worker's side: the next part of a recovery an API request (or a part) began. */
    async continueRecovery(message: RecoverMessage): Promise<void> {
      await queuePart({
        tenantId: message.tenant_id,
        webhookId: message.webhook_id,
        since: new Date(message.since),
        before: message.before,
      });
    },
  };
}

export type Recovery = ReturnType<typeof recovery>;
