import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  generateSecret,
  hexSignature,
  sha256Hex,
  standardWebhookSignature,
} from "../../../lambdas/core/signing";

describe("generateSecret", () => {
  it("is whsec_ followed by the base64 of 32 bytes", () => {
    // Act
    const secret = generateSecret();

    // Assess
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice("whsec_".length), "base64")).toHaveLength(32);
  });

  it("gives a different secret on each call", () => {
    // Act
    const first = generateSecret();
    const second = generateSecret();

    // Assess
    expect(first).not.toBe(second);
  });
});

describe("standardWebhookSignature", () => {
  it("is the signature the standardwebhooks package computes for the same message", () => {
    // Prepare
    const secret = generateSecret();
    const timestamp = new Date("2026-02-15T10:30:00Z");
    const input = { messageId: "msg_1", timestamp: timestamp.getTime() / 1000, body: '{"a":1}' };

    // Act
    const signature = standardWebhookSignature([secret], input);

    // Assess
    expect(signature).toBe(new Webhook(secret).sign("msg_1", timestamp, '{"a":1}'));
  });

  it("gives one v1 signature per secret, space-separated, in the order of the secrets", () => {
    // Prepare
    const [newest, previous] = [generateSecret(), generateSecret()];
    const timestamp = new Date("2026-02-15T10:30:00Z");
    const input = { messageId: "msg_1", timestamp: timestamp.getTime() / 1000, body: "{}" };

    // Act
    const signature = standardWebhookSignature([newest, previous], input);

    // Assess
    expect(signature.split(" ")).toEqual([
      new Webhook(newest).sign("msg_1", timestamp, "{}"),
      new Webhook(previous).sign("msg_1", timestamp, "{}"),
    ]);
  });
});

describe("hexSignature", () => {
  it("is the lowercase hex HMAC-SHA256 of the body keyed with the whole secret string", () => {
    // Prepare
    const secret = generateSecret();
    const body = '{"id":"evt_1","data":{"name":"Ação"}}';

    // Act
    const signature = hexSignature(secret, body);

    // Assess
    expect(signature).toBe(createHmac("sha256", secret).update(body).digest("hex"));
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("sha256Hex", () => {
  it("is the hex SHA-256 of the value", () => {
    // Act
    const hash = sha256Hex("abc");

    // Assess
    expect(hash).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
