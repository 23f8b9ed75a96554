import { describe, expect, it } from "vitest";
import {
  EndpointGoneError,
  NotFoundError,
  notFoundIfGone,
  StaleWriteError,
} from "../../../lambdas/core/errors";

describe("notFoundIfGone", () => {
  it("answers what the write answers", async () => {
    await expect(notFoundIfGone("hook-1", async () => "written")).resolves.toBe("written");
  });

  it("turns an endpoint deleted meanwhile into a 404 naming it", async () => {
    const write = notFoundIfGone("hook-1", async () => {
      throw new EndpointGoneError();
    });

    await expect(write).rejects.toThrow(NotFoundError);
    await expect(write).rejects.toThrow("no webhook endpoint hook-1");
  });

  it("lets any other failure through as it is", async () => {
    const stale = new StaleWriteError();

    await expect(notFoundIfGone("hook-1", () => Promise.reject(stale))).rejects.toBe(stale);
  });
});
