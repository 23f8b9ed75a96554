import { randomUUID } from "node:crypto";
import { CreateQueueCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { sendEvent } from "../../client/producer";
import { ValidationError } from "../../lambdas/core/errors";
import { createEndpoint, leadCreated, sqs } from "../support/delivery";
import { newTenant, platform } from "../support/platform";
import { receiverPool } from "../support/receiver";

const receivers = receiverPool();
afterAll(() => receivers.closeAll());

/** A client of the local SQS that records each command it sends, with its input. */
function recordingSqs(): { client: SQSClient; sent: { command: string; input: unknown }[] } {
  const client = sqs();
  const sent: { command: string; input: unknown }[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: String(context.commandName), input: args.input });
      return next(args);
    },
    { step: "initialize", name: "recordCommands" },
  );
  return { client, sent };
}

describe("the producer's sendEvent", () => {
  it("puts an event on the events queue, and the platform delivers it", async () => {
    // Prepare
    const tenant = await newTenant("producer");
    const receiver = await receivers.start();
    await createEndpoint(tenant, `${receiver.url}/in`);
    const event = leadCreated(tenant);

    // Act
    const { messageId } = await sendEvent(sqs(), platform().EventsQueueUrl, event);

    // Assess
    expect(messageId).toEqual(expect.any(String));
    const [got] = await receiver.waitForRequests(1);
    expect(JSON.parse(got?.raw ?? "{}")).toMatchObject({ id: event.id, type: event.type, data: event.data });
  });

  it("sends the tenant as the message group", async () => {
    // Prepare: the local SQS, with the requests the client makes recorded on their way out
    const { client, sent } = recordingSqs();
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: `producer-${randomUUID()}` }));

    // Act
    await sendEvent(client, QueueUrl ?? "", { tenant_id: "acme", type: "crm.lead.created" });

    // Assess
    expect(sent.find((call) => call.command === "SendMessageCommand")?.input).toMatchObject({
      QueueUrl,
      MessageGroupId: "acme",
    });
  });

  it("refuses an event the platform would dead-letter, naming the field, and sends nothing", async () => {
    const { client, sent } = recordingSqs();

    const sending = sendEvent(client, platform().EventsQueueUrl, {
      tenant_id: "acme",
      type: "webhook.test",
      id: `evt_${randomUUID()}`,
    });

    await expect(sending).rejects.toThrow(ValidationError);
    await expect(sending).rejects.toThrow(/type: webhook\.\* events are sent by the platform itself/);
    expect(sent).toEqual([]);
  });
});
