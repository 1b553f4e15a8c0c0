import { afterAll, describe, expect, it } from "vitest";
import { answer, plain, round, startServer, type TestServer } from "./helpers.js";

const servers: TestServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

// Generous: the margin only has to tell "hanging targets waited on together" from "one after the
// other" (20 x 3 s = 60 s), on a shared machine with every core busy.
const HANGING_TIMEOUT_MS = 3000;
const MARGIN_MS = 20_000;

describe("a round", () => {
  it("over 200 targets, 20 of them hanging, ends within the hanging targets' timeout plus a margin", async () => {
    const fast = await startServer(answer(200, "text/plain; version=0.0.4", "ready 1\n"));
    let open = 0;
    let mostOpen = 0;
    const hanging = await startServer((request) => {
      open++;
      mostOpen = Math.max(mostOpen, open);
      request.socket.once("close", () => open--);
    });
    servers.push(fast, hanging);
    const targets = [
      // The hanging ones first: all 20 are then in flight at once from the start, whatever the load.
      ...Array.from({ length: 20 }, (_, i) => ({
        name: `hanging-${i}`,
        url: `${hanging.url}/${i}`,
        timeout: `${HANGING_TIMEOUT_MS}ms`,
      })),
      ...Array.from({ length: 180 }, (_, i) => ({
        name: `fast-${i}`,
        url: `${fast.url}/${i}`,
        scrape: i % 2 === 0,
        // Fast targets answer at once; their timeout is long so that a busy machine cannot fail them.
        timeout: "60s",
      })),
    ];
    const points = await round(targets, { concurrency: 32 });
    const status = points.filter((p) => p.measurement === "component_status");
    expect(status).toHaveLength(200);
    expect(status.filter((p) => p.tags.target!.startsWith("fast-")).every((p) => plain(p).up === 1)).toBe(
      true,
    );
    const hangingStatus = status.filter((p) => p.tags.target!.startsWith("hanging-")).map(plain);
    expect(hangingStatus.every((s) => s.up === 0 && s.reason === "timeout")).toBe(true);
    // Each hanging target timed out on its own clock, not later.
    expect(hangingStatus.every((s) => (s.total_ms as number) >= HANGING_TIMEOUT_MS)).toBe(true);
    // All 20 were waited on at the same time.
    expect(mostOpen).toBe(20);
    const [summary] = points.filter((p) => p.measurement === "component_round").map(plain);
    expect(summary).toMatchObject({ targets: 200, up: 180, discovered: 0 });
    expect(summary!.duration_ms as number).toBeLessThan(HANGING_TIMEOUT_MS + MARGIN_MS);
    expect(points.errorsCounted).toBe(20);
  });
});
