import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { freePort } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  answer,
  type Certificate,
  round,
  selfSignedCertificate,
  startServer,
  statusOf,
  type TestServer,
} from "./helpers.js";

const servers: TestServer[] = [];
const certificates: Certificate[] = [];
async function serve(...args: Parameters<typeof startServer>) {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const c of certificates) c.dispose();
});

describe("probe", () => {
  let healthy: TestServer;
  beforeAll(async () => {
    healthy = await serve(
      answer(200, "application/json", JSON.stringify({ build: { version: "1.4.2" }, ok: true })),
    );
  });

  it("records an answering target as up with its status, timings and the version at its JSON path", async () => {
    const points = await round([
      { name: "catalog", url: `${healthy.url}/healthz`, versionPath: "build.version", org: "shop" },
    ]);
    const status = statusOf(points, "catalog");
    expect(status).toMatchObject({ up: 1, http_status: 200, version: "1.4.2", redirects: 0 });
    expect(status.reason).toBeUndefined();
    expect(status.connect_ms).toBeGreaterThanOrEqual(0);
    expect(status.ttfb_ms).toBeGreaterThanOrEqual(0);
    expect(status.total_ms as number).toBeGreaterThanOrEqual(status.ttfb_ms as number);
    expect(status.tls_ms).toBeUndefined();
    expect(status.bytes).toBe(JSON.stringify({ build: { version: "1.4.2" }, ok: true }).length);
    // An IP address is not looked up.
    expect(status.dns_ms).toBeUndefined();
    const point = points
      .filter((p) => p.measurement === "component_status")
      .find((p) => p.tags.target === "catalog")!;
    expect(point.tags).toMatchObject({ org: "shop", source: "component-status", kind: "static" });
  });

  it("looks up a name: dns_ms for localhost", async () => {
    const points = await round([{ name: "local", url: `http://localhost:${healthy.port}/` }]);
    expect(statusOf(points, "local")).toMatchObject({ up: 1 });
    expect(statusOf(points, "local").dns_ms).toBeGreaterThanOrEqual(0);
  });

  it("counts the body of a target it only probes", async () => {
    const points = await round([{ name: "counted", url: healthy.url }]);
    expect(statusOf(points, "counted")).toMatchObject({ up: 1, bytes: 39 });
  });

  it("sends the configured headers", async () => {
    const before = healthy.requests.length;
    await round([{ name: "auth", url: healthy.url, headers: { authorization: "Bearer s3cret" } }]);
    expect(healthy.requests[before]!.headers.authorization).toBe("Bearer s3cret");
  });

  it("gives reason=refused for a closed port, dns for a name that does not resolve", async () => {
    const closed = await freePort();
    const points = await round([
      { name: "closed", url: `http://127.0.0.1:${closed}/` },
      { name: "nowhere", url: "http://no-such-host.invalid/" },
    ]);
    expect(statusOf(points, "closed")).toMatchObject({ up: 0, reason: "refused" });
    expect(statusOf(points, "closed").http_status).toBeUndefined();
    expect(statusOf(points, "nowhere")).toMatchObject({ up: 0, reason: "dns" });
  });

  it("gives reason=timeout for a target that accepts and never answers, within its own timeout", async () => {
    const hanging = await serve(() => {});
    const points = await round([{ name: "slow", url: hanging.url, timeout: "200ms" }]);
    expect(statusOf(points, "slow")).toMatchObject({ up: 0, reason: "timeout" });
  });

  it("gives reason=status for a 500, and up for a status the target declares as expected", async () => {
    const failing = await serve(answer(500, "text/plain", "boom"));
    const teapot = await serve(answer(418, "text/plain", "teapot"));
    const points = await round([
      { name: "failing", url: failing.url },
      { name: "teapot", url: teapot.url, expectStatus: [200, 418] },
    ]);
    expect(statusOf(points, "failing")).toMatchObject({ up: 0, reason: "status", http_status: 500 });
    expect(statusOf(points, "teapot")).toMatchObject({ up: 1, http_status: 418 });
  });

  it("follows redirects, and gives reason=redirects for a loop", async () => {
    const hops = await serve((request, response) => {
      const n = Number(request.url!.slice(1));
      if (n > 0) response.writeHead(302, { location: `/${n - 1}` }).end();
      else response.writeHead(200).end("ok");
    });
    const loop = await serve((_request, response) => response.writeHead(301, { location: "/again" }).end());
    const points = await round([
      { name: "hops", url: `${hops.url}/3` },
      { name: "loop", url: `${loop.url}/` },
    ]);
    expect(statusOf(points, "hops")).toMatchObject({ up: 1, redirects: 3, http_status: 200 });
    expect(statusOf(points, "loop")).toMatchObject({
      up: 0,
      reason: "redirects",
      redirects: 5,
      http_status: 301,
    });
  });

  it("does not send the configured headers to another host after a redirect", async () => {
    const other = await serve(answer(200, "text/plain", "ok"));
    const redirector = await serve((_request, response) =>
      response.writeHead(302, { location: `http://localhost:${other.port}/` }).end(),
    );
    await round([
      {
        name: "moved",
        url: redirector.url,
        headers: { authorization: "Bearer s3cret" },
        accept: "text/plain",
      },
    ]);
    expect(redirector.requests.at(-1)!.headers.authorization).toBe("Bearer s3cret");
    expect(other.requests.at(-1)!.headers.authorization).toBeUndefined();
    expect(other.requests.at(-1)!.headers.accept).toBe("text/plain");
  });

  it("gives reason=payload for an answer that is not HTTP", async () => {
    const garbage = createServer((socket) => socket.end("\u0000\u00ff garbage, not HTTP\r\n\r\n"));
    await new Promise<void>((resolve) => garbage.listen(0, "127.0.0.1", resolve));
    try {
      const points = await round([
        { name: "garbage", url: `http://127.0.0.1:${(garbage.address() as AddressInfo).port}/` },
      ]);
      expect(statusOf(points, "garbage")).toMatchObject({ up: 0, reason: "payload" });
    } finally {
      garbage.close();
    }
  });

  it("gives reason=payload for a body over maxBodyBytes, declared or streamed without a length", async () => {
    const huge = await serve(answer(200, "text/plain", "x".repeat(300_000)));
    // Chunked, with no content-length, and endless: only the cap ends it.
    const endless = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      const chunk = "y".repeat(16_384);
      const write = () => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once("drain", write);
      };
      write();
    });
    const points = await round(
      [
        { name: "huge", url: huge.url },
        { name: "endless", url: endless.url, scrape: true },
      ],
      { maxBodyBytes: 100_000 },
    );
    expect(statusOf(points, "huge")).toMatchObject({ up: 0, reason: "payload" });
    expect(statusOf(points, "endless")).toMatchObject({ up: 0, reason: "payload" });
  });
});

describe("HTTPS", () => {
  it("times the handshake and reads the certificate's days left; one about to expire shows it", async () => {
    const year = selfSignedCertificate(365);
    const day = selfSignedCertificate(1);
    certificates.push(year, day);
    const longLived = await serve(answer(200, "text/plain", "ok"), year);
    const expiring = await serve(answer(200, "text/plain", "ok"), day);
    const points = await round([
      { name: "year", url: longLived.url, ca: year.certPath },
      { name: "day", url: expiring.url, ca: day.certPath },
    ]);
    const yearStatus = statusOf(points, "year");
    expect(yearStatus).toMatchObject({ up: 1, http_status: 200 });
    expect(yearStatus.tls_ms).toBeGreaterThan(0);
    expect(yearStatus.cert_days_left).toBeGreaterThan(364);
    expect(yearStatus.cert_days_left).toBeLessThanOrEqual(365);
    const dayStatus = statusOf(points, "day");
    expect(dayStatus).toMatchObject({ up: 1 });
    expect(dayStatus.cert_days_left).toBeGreaterThan(0);
    expect(dayStatus.cert_days_left).toBeLessThanOrEqual(1);
  });

  it("gives reason=tls for a certificate it does not trust, and reads it when told to skip verification", async () => {
    const certificate = selfSignedCertificate(30);
    certificates.push(certificate);
    const server = await serve(answer(200, "text/plain", "ok"), certificate);
    const points = await round([
      { name: "untrusted", url: server.url },
      { name: "skipped", url: server.url, insecureSkipVerify: true },
    ]);
    expect(statusOf(points, "untrusted")).toMatchObject({ up: 0, reason: "tls" });
    expect(statusOf(points, "skipped")).toMatchObject({ up: 1 });
    expect(statusOf(points, "skipped").cert_days_left).toBeGreaterThan(29);
  });
});
