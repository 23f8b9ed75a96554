import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../lambdas/core/errors";
import { decodeCursor, encodeCursor } from "../../../../lambdas/core/delivery/log";

describe("delivery log cursors", () => {
  const id = "msg_01KANZ7Y2D8Q8ZCX1X3WJ1QGQA";

  it("decodes what it encodes, as an opaque URL-safe token", () => {
    const cursor = encodeCursor(id);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toBe(id);
  });

  it.each([
    ["empty", ""],
    ["not base64url JSON", "%%%"],
    ["JSON but not an object", Buffer.from("42").toString("base64url")],
    ["an object with another field", Buffer.from(JSON.stringify({ before: id, x: 1 })).toString("base64url")],
    [
      "a position that is not a delivery id",
      Buffer.from(JSON.stringify({ before: "TENANT#a" })).toString("base64url"),
    ],
    ["the same JSON with padding", `${encodeCursor(id)}=`],
  ])("refuses a cursor that is %s with a validation error naming the cursor", (_, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(ValidationError);
    try {
      decodeCursor(cursor);
    } catch (error) {
      expect((error as ValidationError).details).toEqual([
        { field: "cursor", message: "not a cursor this API gave out" },
      ]);
    }
  });
});
