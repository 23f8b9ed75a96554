import { describe, expect, it } from "vitest";
import { exampleEventCheck } from "../../../bench/memory-ports";
import { ForbiddenError, ValidationError } from "../../../lambdas/core/errors";
import { acceptHttpEvent, type EventPublisher } from "../../../lambdas/core/event-ingest";
import type { EventMessage } from "../../../lambdas/core/event-message";

/** The EventPublisher port, collecting what it is given. */
class RecordingPublisher implements EventPublisher {
  readonly published: EventMessage[] = [];

  async publish(message: EventMessage): Promise<void> {
    this.published.push(message);
  }
}

const now = new Date("2026-02-15T10:30:00Z");
// The local run's catalog (catalogs/jurichat.json); chat.conversation.assigned is its type with a schema.
const eventCheck = exampleEventCheck();
const assigned = { conversation: { id: "conv_1" }, agent: { id: "ag_7", name: "Bruno" } };

describe("acceptHttpEvent", () => {
  it("publishes the event under the API key's tenant when tenant_id is left out", async () => {
    // Prepare
    const publisher = new RecordingPublisher();

    // Act
    const accepted = await acceptHttpEvent(
      publisher,
      eventCheck,
      "acme",
      { type: "crm.lead.created", data: { a: 1 } },
      now,
    );

    // Assess
    expect(publisher.published).toEqual([
      {
        tenant_id: "acme",
        type: "crm.lead.created",
        id: accepted.id,
        occurred_at: "2026-02-15T10:30:00.000Z",
        data: { a: 1 },
      },
    ]);
    expect(accepted).toEqual({ id: accepted.id, type: "crm.lead.created", tenant_id: "acme" });
  });

  it("assigns an evt_ id when the producer gives none, a new one each time", async () => {
    // Prepare
    const publisher = new RecordingPublisher();

    // Act
    const first = await acceptHttpEvent(publisher, eventCheck, "acme", { type: "contact.created" }, now);
    const second = await acceptHttpEvent(publisher, eventCheck, "acme", { type: "contact.created" }, now);

    // Assess
    expect(first.id).toMatch(/^evt_[0-9a-f-]{36}$/);
    expect(second.id).toMatch(/^evt_[0-9a-f-]{36}$/);
    expect(first.id).not.toBe(second.id);
    expect(publisher.published.map((m) => m.id)).toEqual([first.id, second.id]);
  });

  it("keeps the producer's id and occurred_at", async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const body = { type: "contact.updated", id: "crm:42", occurred_at: "2026-01-01T00:00:00Z" };

    // Act
    const accepted = await acceptHttpEvent(publisher, eventCheck, "acme", body, now);

    // Assess
    expect(accepted.id).toBe("crm:42");
    expect(publisher.published).toEqual([{ ...body, tenant_id: "acme", data: {} }]);
  });

  it("accepts a tenant_id naming the key's own tenant", async () => {
    // Prepare
    const publisher = new RecordingPublisher();

    // Act
    const accepted = await acceptHttpEvent(
      publisher,
      eventCheck,
      "acme",
      { tenant_id: "acme", type: "contact.created" },
      now,
    );

    // Assess
    expect(accepted.tenant_id).toBe("acme");
    expect(publisher.published.map((m) => m.tenant_id)).toEqual(["acme"]);
  });

  it("refuses a tenant_id naming another tenant and publishes nothing", async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const body = { tenant_id: "globex", type: "contact.created" };

    // Act
    const accept = acceptHttpEvent(publisher, eventCheck, "acme", body, now);

    // Assess
    await expect(accept).rejects.toBeInstanceOf(ForbiddenError);
    expect(publisher.published).toEqual([]);
  });

  it("refuses an invalid event with a ValidationError naming the field and publishes nothing", async () => {
    // Prepare
    const publisher = new RecordingPublisher();

    // Act
    const accept = acceptHttpEvent(publisher, eventCheck, "acme", { type: "webhook.test" }, now);

    // Assess
    await expect(accept).rejects.toThrow(ValidationError);
    await expect(accept).rejects.toMatchObject({
      details: expect.arrayContaining([
        { field: "type", message: expect.stringMatching(/sent by the platform/) },
      ]),
    });
    expect(publisher.published).toEqual([]);
  });

  it("refuses a type the catalog does not have, naming the field type, and publishes nothing", async () => {
    // Prepare
    const publisher = new RecordingPublisher();

    // Act
    const accept = acceptHttpEvent(publisher, eventCheck, "acme", { type: "crm.deal.created" }, now);

    // Assess
    await expect(accept).rejects.toThrow(ValidationError);
    await expect(accept).rejects.toMatchObject({
      details: [{ field: "type", message: expect.stringMatching(/unknown event type crm\.deal\.created/) }],
    });
    expect(publisher.published).toEqual([]);
  });

  it("refuses a type that differs from the catalog's only in case", async () => {
    // Prepare
    const publisher = new RecordingPublisher();

    // Act
    const accept = acceptHttpEvent(publisher, eventCheck, "acme", { type: "CRM.LEAD.CREATED" }, now);

    // Assess
    await expect(accept).rejects.toMatchObject({ details: [expect.objectContaining({ field: "type" })] });
    expect(publisher.published).toEqual([]);
  });

  it("refuses data failing the type's schema, on the field data with ajv's message, publishing nothing", async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const body = { type: "chat.conversation.assigned", data: { conversation: { id: "conv_1" } } };

    // Act
    const accept = acceptHttpEvent(publisher, eventCheck, "acme", body, now);

    // Assess
    await expect(accept).rejects.toThrow(ValidationError);
    await expect(accept).rejects.toMatchObject({
      message: expect.stringContaining("must have required property 'agent'"),
      details: [
        {
          field: "data",
          message:
            "data does not match the schema of chat.conversation.assigned: data must have required property 'agent'",
        },
      ],
    });
    expect(publisher.published).toEqual([]);
  });

  it("names the path inside data that fails the schema", async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const body = { type: "chat.conversation.assigned", data: { ...assigned, agent: { id: 7 } } };

    // Act
    const accept = acceptHttpEvent(publisher, eventCheck, "acme", body, now);

    // Assess
    await expect(accept).rejects.toMatchObject({
      details: [{ field: "data", message: expect.stringContaining("/agent/id must be string") }],
    });
    expect(publisher.published).toEqual([]);
  });

  it("publishes data that passes the type's schema", async () => {
    // Prepare
    const publisher = new RecordingPublisher();

    // Act
    await acceptHttpEvent(
      publisher,
      eventCheck,
      "acme",
      { type: "chat.conversation.assigned", data: assigned },
      now,
    );

    // Assess
    expect(publisher.published.map((m) => m.data)).toEqual([assigned]);
  });
});
