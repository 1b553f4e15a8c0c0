import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { answer, plain, round, samplesOf, startServer, statusOf, type TestServer } from "./helpers.js";

const servers: TestServer[] = [];
async function serve(...args: Parameters<typeof answer>) {
  const server = await startServer(answer(...args));
  servers.push(server);
  return server;
}
afterAll(() => Promise.all(servers.map((s) => s.close())));

const PROMETHEUS = `# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="GET",code="200"} 1027 1700000000000
http_requests_total{method="POST",code="500"} 3
# TYPE queue_depth gauge
queue_depth 7.5
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 2
latency_seconds_bucket{le="+Inf"} 5
latency_seconds_sum 1.25
latency_seconds_count 5
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.02
rpc_seconds{quantile="0.99"} NaN
rpc_seconds_sum 3.5
rpc_seconds_count 100
`;

const OPENMETRICS = `# TYPE jobs counter
# HELP jobs Jobs done.
jobs_total{queue="a b",path="C:\\\\tmp \\"x\\""} 42.0 1700000000.5 # {trace_id="abc"} 1.0
jobs_created{queue="a b",path="C:\\\\tmp \\"x\\""} 1600000000.0
# TYPE build info
build_info{version="1.2.3"} 1
# EOF
`;

describe("scrape", () => {
  it("keeps every Prometheus sample as a point: the metric name as the field, the labels as tags", async () => {
    const server = await serve(200, "text/plain; version=0.0.4; charset=utf-8", PROMETHEUS);
    const points = await round([{ name: "app", url: server.url, scrape: true }]);
    expect(statusOf(points, "app")).toMatchObject({
      up: 1,
      format: "prometheus",
      samples: 10,
      samples_dropped: 1,
    });
    const samples = samplesOf(points, "app");
    expect(samples).toHaveLength(10);
    const get = samples.find((p) => p.tags.method === "GET")!;
    expect(get.tags).toMatchObject({ code: "200", target: "app", source: "component-status" });
    expect(plain(get)).toEqual({ http_requests_total: 1027 });
    expect(get.timestamp).toBe(1_700_000_000_000_000_000n);
    expect(samples.filter((p) => "latency_seconds_bucket" in p.fields).map((p) => p.tags.le)).toEqual([
      "0.1",
      "+Inf",
    ]);
    expect(samples.find((p) => p.tags.quantile === "0.5")!.fields.rpc_seconds!.value).toBe(0.02);
    expect(samples.some((p) => "rpc_seconds_count" in p.fields)).toBe(true);
  });

  it("reads OpenMetrics: seconds timestamps, escapes, exemplars and # EOF", async () => {
    const server = await serve(
      200,
      "application/openmetrics-text; version=1.0.0; charset=utf-8",
      OPENMETRICS,
    );
    const points = await round([{ name: "om", url: server.url, scrape: true }]);
    expect(statusOf(points, "om")).toMatchObject({
      up: 1,
      format: "openmetrics",
      samples: 3,
      samples_dropped: 0,
    });
    const jobs = samplesOf(points, "om").find((p) => "jobs_total" in p.fields)!;
    expect(jobs.tags).toMatchObject({ queue: "a b", path: 'C:\\tmp "x"' });
    expect(jobs.timestamp).toBe(1_700_000_000_500_000_000n);
  });

  it("reads line protocol (sniffed from text/plain): <measurement>_<field>, tags kept, types kept", async () => {
    const server = await serve(
      200,
      "text/plain; charset=utf-8",
      'cpu,host=a usage=0.5,count=3i,state="ok"\nmem,host=a free=12u 1700000000000000000\n',
    );
    const points = await round([{ name: "lp", url: server.url, scrape: true }]);
    expect(statusOf(points, "lp")).toMatchObject({ up: 1, format: "influx", samples: 4 });
    const samples = samplesOf(points, "lp");
    expect(samples.map((p) => Object.keys(p.fields)[0]).sort()).toEqual([
      "cpu_count",
      "cpu_state",
      "cpu_usage",
      "mem_free",
    ]);
    expect(samples.find((p) => "cpu_count" in p.fields)!.fields.cpu_count).toEqual({
      type: "integer",
      value: 3n,
    });
    expect(samples.find((p) => "mem_free" in p.fields)!.tags.host).toBe("a");
  });

  it("sniffs a Prometheus exposition served as plain text/plain", async () => {
    const server = await serve(200, "text/plain", 'up 1\nprocess_open_fds{kind="x"} 12\n');
    const points = await round([{ name: "plain", url: server.url, scrape: true }]);
    expect(statusOf(points, "plain")).toMatchObject({ up: 1, format: "prometheus", samples: 2 });
  });

  it("reads JSON's numbers, nested keys joined with _", async () => {
    const server = await serve(
      200,
      "application/json",
      JSON.stringify({ goroutines: 12, heap: { used: 1024, name: "x" }, ok: true }),
    );
    const points = await round([{ name: "json", url: server.url, scrape: true }]);
    expect(statusOf(points, "json")).toMatchObject({ up: 1, format: "json", samples: 2 });
    expect(samplesOf(points, "json").map((p) => Object.keys(p.fields)[0])).toEqual([
      "goroutines",
      "heap_used",
    ]);
  });

  it("renames labels that would overwrite the collector's tags, and tags and fields named time", async () => {
    const server = await serve(
      200,
      "text/plain; version=0.0.4",
      'x{org="evil",target="t",source="s",cluster="c",time="x"} 1\ntime 2\n',
    );
    const points = await round([{ name: "clash", url: server.url, scrape: true }]);
    const [sample] = samplesOf(points, "clash");
    expect(sample!.tags).toMatchObject({
      org: "platform",
      target: "clash",
      source: "component-status",
      exported_org: "evil",
      exported_target: "t",
      exported_source: "s",
      exported_cluster: "c",
      exported_time: "x",
    });
    expect(samplesOf(points, "clash")[1]!.fields).toEqual({ exported_time: { type: "float", value: 2 } });
  });

  it("refuses a content type that is no metrics format, garbage bytes and bad JSON, with reason=payload", async () => {
    const html = await serve(200, "text/html", "<html>hello</html>");
    const garbage = await serve(200, "text/plain", randomBytes(4096));
    const badJson = await serve(200, "application/json", "{not json");
    const points = await round([
      { name: "html", url: html.url, scrape: true },
      { name: "garbage", url: garbage.url, scrape: true },
      { name: "badjson", url: badJson.url, scrape: true },
    ]);
    for (const name of ["html", "garbage", "badjson"]) {
      expect(statusOf(points, name)).toMatchObject({ up: 0, reason: "payload", http_status: 200 });
      expect(samplesOf(points, name)).toHaveLength(0);
    }
  });

  it("keeps the good lines around a bad one, and counts the bad one as dropped", async () => {
    const server = await serve(
      200,
      "text/plain; version=0.0.4",
      "good 1\nbad{label=unquoted} 2\nalso_good 3\nworse 1 2 3 4\n",
    );
    const points = await round([{ name: "mixed", url: server.url, scrape: true }]);
    expect(statusOf(points, "mixed")).toMatchObject({ up: 1, samples: 2, samples_dropped: 2 });
  });

  it("caps the samples of a target at maxSeries and counts the rest", async () => {
    const body = Array.from({ length: 500 }, (_, i) => `series{n="${i}"} ${i}`).join("\n");
    const server = await serve(200, "text/plain; version=0.0.4", body);
    const points = await round([{ name: "many", url: server.url, scrape: true }], { maxSeries: 100 });
    expect(statusOf(points, "many")).toMatchObject({ up: 1, samples: 100, samples_dropped: 400 });
    expect(samplesOf(points, "many")).toHaveLength(100);
  });

  it("a bad target costs only itself: its neighbours in the round are read in full", async () => {
    const good = await serve(200, "text/plain; version=0.0.4", PROMETHEUS);
    const huge = await serve(200, "text/plain; version=0.0.4", "big 1\n".repeat(50_000));
    const hanging = await startServer(() => {});
    servers.push(hanging);
    const points = await round(
      [
        { name: "good", url: good.url, scrape: true },
        { name: "huge", url: huge.url, scrape: true },
        { name: "hanging", url: hanging.url, scrape: true, timeout: "300ms" },
      ],
      { maxBodyBytes: 100_000 },
    );
    expect(statusOf(points, "good")).toMatchObject({ up: 1, samples: 10 });
    expect(samplesOf(points, "good")).toHaveLength(10);
    expect(statusOf(points, "huge")).toMatchObject({ up: 0, reason: "payload" });
    expect(statusOf(points, "hanging")).toMatchObject({ up: 0, reason: "timeout" });
  });
});
