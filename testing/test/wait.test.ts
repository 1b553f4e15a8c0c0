import { describe, expect, it } from "vitest";
import { waitFor } from "../src/index.js";

describe("waitFor", () => {
  it("returns the first value the check gives, after the checks that gave none", async () => {
    let calls = 0;
    const value = await waitFor("the third call", () => (++calls >= 3 ? { calls } : undefined), {
      everyMs: 1,
    });
    expect(value).toEqual({ calls: 3 });
  });

  it("takes false and a thrown error as not yet", async () => {
    const answers: (() => boolean)[] = [
      () => false,
      () => {
        throw new Error("refused");
      },
      () => true,
    ];
    expect(await waitFor("true", () => answers.shift()!(), { everyMs: 1 })).toBe(true);
  });

  it("fails naming what it waited for and the last error of the check", async () => {
    await expect(
      waitFor(
        "a server that never starts",
        () => {
          throw new Error("ECONNREFUSED");
        },
        { timeoutMs: 0, everyMs: 1 },
      ),
    ).rejects.toThrow("timed out after 0 ms waiting for a server that never starts: ECONNREFUSED");
  });
});
