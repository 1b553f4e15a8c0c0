import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { collectOnce } from "@platform-metrics/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import hello from "../src/collector.js";

describe("hello collector", () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === "/missing" ? 404 : 200);
      res.end("hi");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("times each target and reports its status", async () => {
    const points = await collectOnce(hello, { targets: [`${base}/`, `${base}/missing`] });
    expect(points).toHaveLength(2);
    const byTarget = Object.fromEntries(points.map((p) => [p.tags.target, p]));
    expect(byTarget[`${base}/`]!.fields.ok).toEqual({ type: "boolean", value: true });
    expect(byTarget[`${base}/missing`]!.fields.status).toEqual({ type: "integer", value: 404n });
    expect(byTarget[`${base}/missing`]!.fields.ok).toEqual({ type: "boolean", value: false });
    for (const point of points) {
      expect(point.tags).toMatchObject({ org: "platform", source: "hello" });
      expect(point.fields.ms!.type).toBe("float");
    }
  });

  it("reports a target that does not answer as not ok, without a status", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const [point] = await collectOnce(hello, { targets: [`http://127.0.0.1:${port}/`] });
    expect(point!.fields.ok).toEqual({ type: "boolean", value: false });
    expect(point!.fields.status).toBeUndefined();
  });

  it("refuses a target that is not a URL", async () => {
    await expect(collectOnce(hello, { targets: ["not a url"] })).rejects.toThrow(/targets/);
  });
});
