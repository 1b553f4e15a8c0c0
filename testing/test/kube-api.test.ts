import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type KubeApiServer,
  type KubeObject,
  namespaceObject,
  podObject,
  startKubeApi,
  waitFor,
} from "../src/index.js";

let api: KubeApiServer;

beforeAll(async () => {
  api = await startKubeApi({ bookmarkIntervalMs: 60_000 });
});
afterAll(() => api.close());

interface Answer {
  status: number;
  // A list or a Status.
  body: {
    kind: string;
    items: KubeObject[];
    metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
    message?: string;
  };
}

interface WatchEvent {
  type: string;
  object: KubeObject;
}

function get(path: string, token = api.token): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${api.url}${path}`,
      { ca: api.ca, agent: false, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** A watch: its events as they come, and whether the server ended it. */
function watch(path: string) {
  const events: WatchEvent[] = [];
  const state = { ended: false, failed: false };
  const req = request(
    `${api.url}${path}`,
    { ca: api.ca, headers: { authorization: `Bearer ${api.token}` } },
    (res) => {
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf("\n");
        while (end >= 0) {
          events.push(JSON.parse(buffer.slice(0, end)));
          buffer = buffer.slice(end + 1);
          end = buffer.indexOf("\n");
        }
      });
      res.on("end", () => (state.ended = true));
      res.on("error", () => (state.failed = true));
      res.on("aborted", () => (state.failed = true));
    },
  );
  req.on("error", () => (state.failed = true));
  req.end();
  return { events, state, close: () => req.destroy() };
}

async function until(check: () => boolean, what: string): Promise<void> {
  await waitFor(what, check, { timeoutMs: 20_000, everyMs: 10 });
}

describe("test Kubernetes API server", () => {
  it("lists in pages of one consistent resourceVersion, items without kind, and expires continue tokens with 410", async () => {
    for (let i = 0; i < 5; i++) api.create("pods", podObject("paging", `p${i}`));
    const first = await get("/api/v1/namespaces/paging/pods?limit=2");
    expect(first.status).toBe(200);
    expect(first.body.kind).toBe("PodList");
    expect(first.body.items.map((p) => p.metadata.name)).toEqual(["p0", "p1"]);
    expect(first.body.items[0].kind).toBeUndefined();
    expect(first.body.metadata.remainingItemCount).toBe(3);
    api.delete("pods", "paging", "p3"); // after the first page: the snapshot still holds it
    const second = await get(`/api/v1/pods?limit=2&continue=${first.body.metadata.continue}`);
    expect(second.body.items.map((p) => p.metadata.name)).toEqual(["p2", "p3"]);
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    api.expireContinueTokens();
    const expired = await get(`/api/v1/pods?limit=2&continue=${second.body.metadata.continue}`);
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ kind: "Status", reason: "Expired", code: 410 });
  });

  it("watches from a resourceVersion, sends bookmarks when allowed, and answers 410 Gone after compaction", async () => {
    api.create("namespaces", namespaceObject("w1"));
    const from = api.resourceVersion;
    api.create("namespaces", namespaceObject("w2"));
    const w = watch(`/api/v1/namespaces?watch=true&resourceVersion=${from}&allowWatchBookmarks=true`);
    await until(() => w.events.length === 1, "the event after the resourceVersion");
    expect(w.events[0]).toMatchObject({
      type: "ADDED",
      object: { kind: "Namespace", metadata: { name: "w2" } },
    });
    api.patch("namespaces", undefined, "w2", (ns) => (ns.metadata.labels = { team: "a" }));
    api.delete("namespaces", undefined, "w1");
    api.sendBookmarks();
    await until(() => w.events.length === 4, "modified, deleted, bookmark");
    expect(w.events.slice(1).map((e) => e.type)).toEqual(["MODIFIED", "DELETED", "BOOKMARK"]);
    expect(w.events[3].object.metadata.resourceVersion).toBe(String(api.resourceVersion));
    w.close();

    api.compact("namespaces");
    const old = watch(`/api/v1/namespaces?watch=1&resourceVersion=${from}`);
    await until(() => old.state.ended, "the end of a watch from a compacted resourceVersion");
    expect(old.events).toEqual([
      { type: "ERROR", object: expect.objectContaining({ kind: "Status", code: 410, reason: "Expired" }) },
    ]);
  });

  it("raises generation on a spec change only", () => {
    api.create("deployments", { metadata: { name: "d", namespace: "g" }, spec: { replicas: 1 }, status: {} });
    const statusOnly = api.patch("deployments", "g", "d", (d) => (d.status = { observedGeneration: 1 }));
    expect(statusOnly.metadata.generation).toBe(1);
    const scaled = api.patch("deployments", "g", "d", (d) => (d.spec = { replicas: 3 }));
    expect(scaled).toMatchObject({ apiVersion: "apps/v1", kind: "Deployment", metadata: { generation: 2 } });
  });

  it("refuses a forbidden resource with 403, a wrong token with 401, an unknown path with 404", async () => {
    api.forbid("jobs", ["list"]);
    const forbidden = await get("/apis/batch/v1/jobs");
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toContain('cannot list resource "jobs" in API group "batch"');
    api.allow("jobs");
    expect((await get("/apis/batch/v1/jobs")).status).toBe(200);
    expect((await get("/api/v1/pods", "wrong")).status).toBe(401);
    expect((await get("/apis/example.com/v1/widgets")).status).toBe(404);
  });

  it("breaks watches mid-stream and keeps objects and resourceVersions across a restart", async () => {
    const w = watch("/api/v1/pods?watch=true");
    await until(() => api.openWatches("pods") === 1, "the watch");
    expect(api.breakWatches("pods")).toBe(1);
    await until(() => w.state.failed || w.state.ended, "the broken watch");
    const before = api.resourceVersion;
    const pods = api.count("pods");
    const port = api.port;
    const w2 = watch("/api/v1/pods?watch=true");
    await until(() => api.openWatches("pods") === 1, "the second watch");
    await api.restart();
    await until(() => w2.state.failed || w2.state.ended, "the watch cut by the restart");
    expect(api.port).toBe(port);
    const list = await get("/api/v1/pods");
    expect(list.body.items).toHaveLength(pods);
    expect(Number(list.body.metadata.resourceVersion)).toBe(before);
  });
});
