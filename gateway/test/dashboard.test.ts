/// <reference lib="dom" />
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { historyLines, roundLines, STEP_MS, writeToReplicas } from "./helpers/collector-points.js";
import { type Fixture, startFixture, tokens } from "./helpers/fixture.js";

// The dashboard in a real headless Chromium, over a real gateway and two real influxd holding points
// shaped like the perf and storage-probe collectors'. Every wait is on a DOM condition.

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../test-artifacts/", import.meta.url);
const ZONE = "Asia/Kolkata"; // UTC+05:30: a zone whose times differ from UTC and from whole hours
const WAIT = { timeout: 45_000 };

let fixture: Fixture;
let app: FastifyInstance;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the dashboard test needs it (apt-get install -y chromium)`);
  }
  fixture = await startFixture();
  await writeToReplicas(fixture, historyLines(30));
  app = await fixture.gateway();
  base = await app.listen({ port: 0, host: "127.0.0.1" });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  await mkdir(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await fixture?.close();
});

interface Opened {
  page: Page;
  /** Page errors and console errors: none is expected. */
  problems: string[];
}

/** A fresh context (empty storage) in the test's time zone, signed in with acme's token at `path`. */
async function open(path: string, width = 1280): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, timezoneId: ZONE });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  await page.goto(`${base}${path}`);
  await page.fill("#token", tokens.acme);
  await page.click("#use-token");
  return { page, problems };
}

const panel = (measurement: string, unit: string) =>
  `.board-section[data-measurement=${measurement}] .panel[data-unit="${unit}"]`;

/** Waits until the panel has drawn points; returns its attributes. */
async function drawn(page: Page, selector: string) {
  await page.waitForFunction(
    (s) => Number(document.querySelector(s)?.getAttribute("data-points")) > 0,
    selector,
    WAIT,
  );
  return page.$eval(selector, (element) => ({ ...(element as HTMLElement).dataset }));
}

/** Hovers the middle of a chart and returns what its legend says. */
async function legendAtCursor(page: Page, selector: string): Promise<string[]> {
  const box = (await page.locator(`${selector} .u-over`).boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  return page.$$eval(`${selector} .u-legend .u-value`, (cells) =>
    cells.map((cell) => cell.textContent ?? ""),
  );
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: new URL(name, ARTIFACTS).pathname, fullPage: true });

const noHorizontalScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

describe("dashboard", () => {
  it("draws perf's overview from live points, with units on axes and legends, and updates without a reload", async () => {
    const { page, problems } = await open("/?view=overview&source=perf&from=-15m&refresh=5s");
    const bytes = panel("perf_process", "bytes");
    const before = await drawn(page, bytes);
    expect(
      await page.$$eval(".board-section", (s) => s.map((one) => (one as HTMLElement).dataset.measurement)),
    ).toEqual(["perf_process", "perf_system"]);
    // 143 MiB of rss, not "0,000"; percent with %; buckets no finer than the 30 s the data has.
    expect(before.yTicks).toMatch(/\d MiB/);
    expect((await drawn(page, panel("perf_process", "percent"))).yTicks).toMatch(/\d%/);
    expect(await page.textContent(`${bytes} .bucket`)).toBe("mean per 30s");
    expect(await legendAtCursor(page, bytes)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\d+(\.\d+)? MiB$/)]),
    );
    // Chromium names the zone by its older alias.
    expect(await page.textContent("#zone")).toMatch(/^times in Asia\/(Kolkata|Calcutta) \(UTC\+05:30\)$/);
    await shot(page, "overview-perf.png");

    // A new round, in a bucket of its own: the page shows it on its next refresh, unreloaded.
    const nowMs = Date.now();
    await writeToReplicas(fixture, roundLines(nowMs, 200));
    const bucketStart = new Date(Math.floor(nowMs / STEP_MS) * STEP_MS).toISOString();
    await page.waitForFunction(
      ([s, at]) => (document.querySelector(s)?.getAttribute("data-last") ?? "") >= at,
      [bytes, bucketStart] as const,
      WAIT,
    );
    expect(await page.textContent("#updated")).toMatch(/^updated \d+ s ago$/);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("charts a counter as its rate per second, CPU seconds as a share of a core", async () => {
    const { page, problems } = await open("/?view=overview&source=perf&from=-15m&refresh=off");
    // 0.8 user and 0.1 system CPU seconds more every 30 s: 2.67% and 0.333% of a core.
    const cpu = panel("perf_process", "s/s");
    const shown = await drawn(page, cpu);
    expect(await page.textContent(`${cpu} h3 span`)).toBe("cpu_user_seconds, cpu_system_seconds per second");
    expect(await page.textContent(`${cpu} .bucket`)).toBe("per second, 30s buckets");
    expect(shown.yTicks).toMatch(/\d%/);
    expect(await legendAtCursor(page, cpu)).toEqual(expect.arrayContaining(["2.67%", "0.333%"]));
    // The running totals themselves (80 s and more) are charted nowhere.
    expect(await page.$$(panel("perf_process", "s"))).toHaveLength(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("explores a counter as its rate by default, and as the aggregate chosen when one is", async () => {
    const { page, problems } = await open(
      "/?view=explore&m=perf_process&f=cpu_user_seconds,rss_bytes&from=-15m",
    );
    const rate = ".panel[data-unit='s/s']";
    await drawn(page, rate);
    await drawn(page, ".panel[data-unit=bytes]");
    expect(await page.textContent(`${rate} h3 span`)).toBe("cpu_user_seconds per second");
    expect(await page.inputValue("#aggregate")).toBe("auto");
    await page.selectOption("#aggregate", "max");
    await page.waitForFunction(
      () => new URL(location.href).searchParams.get("agg") === "max",
      undefined,
      WAIT,
    );
    const max = await drawn(page, ".panel[data-unit=s]");
    // The totals themselves: 80 s and more.
    expect(max.yTicks).toMatch(/\d (s|min)$/);
    expect(await page.textContent(".panel[data-unit=s] h3 span")).toBe("max of cpu_user_seconds");
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("shows storage-probe's booleans and strings as last values, and a failed round as it comes", async () => {
    const { page, problems } = await open("/?view=overview&source=storage-probe&from=-30m&refresh=5s");
    const latency = panel("storage_io", "ns");
    const ticks = (await drawn(page, latency)).yTicks;
    expect(ticks).toMatch(/\d (ms|µs)/);
    // fsync's write and sync series stay apart.
    const labels = await page.$$eval(`${latency} .u-legend .u-label`, (cells) =>
      cells.map((c) => c.textContent),
    );
    expect(labels).toEqual(
      expect.arrayContaining([
        "lat_p99_ns profile=fsync rw=sync",
        "lat_p99_ns profile=fsync rw=write",
        "lat_p50_ns profile=seq-read rw=read",
      ]),
    );
    expect(await legendAtCursor(page, latency)).toEqual(
      expect.arrayContaining([expect.stringMatching(/ ms$/)]),
    );
    const probe = ".board-section[data-measurement=storage_probe] .last-values";
    await page.waitForFunction(
      (s) => Number(document.querySelector(s)?.getAttribute("data-rows")) > 0,
      probe,
      WAIT,
    );
    expect(await page.$$eval(`${probe} th`, (cells) => cells.map((c) => c.textContent))).toEqual([
      "volume",
      "engine",
      "ok",
      "direct",
      "error",
      "last seen",
    ]);
    expect(await page.$$eval(`${probe} td`, (cells) => cells.map((c) => c.textContent))).toEqual([
      "data",
      "fio",
      "true",
      "true",
      "",
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
    ]);
    await shot(page, "overview-storage-probe.png");

    await writeToReplicas(fixture, roundLines(Date.now(), 201, { error: "fio exited with 1: marker-42" }));
    await page.waitForFunction(
      (s) => document.querySelector(s)?.textContent?.includes("marker-42"),
      probe,
      WAIT,
    );
    expect(await page.$$eval(`${probe} td`, (cells) => cells.slice(2, 5).map((c) => c.textContent))).toEqual([
      "false",
      "true",
      "fio exited with 1: marker-42",
    ]);
    expect(await page.content()).not.toContain("g_secret");
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("zooms by dragging, puts the range in the URL, and a reload restores it", async () => {
    const { page, problems } = await open("/?view=overview&source=perf&from=-30m&refresh=off");
    const bytes = panel("perf_process", "bytes");
    const wide = await drawn(page, bytes);
    const box = (await page.locator(`${bytes} .u-over`).boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => /from=\d{4}-/.test(location.search), undefined, WAIT);
    const url = new URL(page.url());
    const from = Date.parse(url.searchParams.get("from")!);
    const to = Date.parse(url.searchParams.get("to")!);
    // About 30% of 30 minutes, starting about 30% in.
    expect((to - from) / 60_000).toBeGreaterThan(7);
    expect((to - from) / 60_000).toBeLessThan(11);
    const zoomed = `${from / 1000} ${to / 1000}`;
    await page.waitForFunction(
      ([s, r]) => document.querySelector(s)?.getAttribute("data-range") === r,
      [bytes, zoomed] as const,
      WAIT,
    );
    expect(zoomed).not.toBe(wide.range);
    expect(await page.$eval("#range", (select) => (select as HTMLSelectElement).value)).toBe("custom");
    await shot(page, "zoomed.png");

    await page.reload();
    await page.waitForFunction(
      ([s, r]) => document.querySelector(s)?.getAttribute("data-range") === r,
      [bytes, zoomed] as const,
      WAIT,
    );
    expect(page.url()).toBe(url.href);
    expect(Number((await drawn(page, bytes)).points)).toBeGreaterThan(0);
    // The custom range's inputs show the same instant in the browser's zone.
    const fromInput = await page.$eval("#from", (input) => (input as HTMLInputElement).value);
    expect(fromInput).toBe(new Date(from).toLocaleString("sv-SE", { timeZone: ZONE }));

    // Zoom out: twice the span, around the same middle.
    await page.click("#zoom-out");
    await page.waitForFunction(
      (f) => new URL(location.href).searchParams.get("from") !== f,
      url.searchParams.get("from"),
    );
    const out = new URL(page.url()).searchParams;
    expect(Date.parse(out.get("to")!) - Date.parse(out.get("from")!)).toBe(2 * (to - from));

    // A custom range typed in the page's format and zone; a malformed one is refused by name.
    await page.fill("#from", "2026-13-01 10:00");
    await page.click("#apply-range");
    await page.waitForFunction(() => document.querySelector("#status")?.className === "error");
    expect(await page.textContent("#status")).toBe(
      '"2026-13-01 10:00": expected a time like 2026-01-31 18:30:00',
    );
    const start = new Date(from).toLocaleString("sv-SE", { timeZone: ZONE });
    await page.fill("#from", start);
    await page.fill("#to", new Date(from + 60_000).toLocaleString("sv-SE", { timeZone: ZONE }));
    await page.click("#apply-range");
    await page.waitForFunction(
      (f) => new URL(location.href).searchParams.get("from") === f,
      new Date(from).toISOString().replace(".000Z", "Z"),
    );
    expect(new URL(page.url()).searchParams.get("to")).toBe(
      new Date(from + 60_000).toISOString().replace(".000Z", "Z"),
    );
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("explores several fields and group-by tags, one chart per unit, with the choice in the URL", async () => {
    const { page, problems } = await open(
      "/?view=explore&m=storage_io&f=lat_p99_ns,iops,direct&g=profile,rw&from=-30m",
    );
    const ns = ".panel[data-unit=ns]";
    await drawn(page, ns);
    await drawn(page, '.panel[data-unit="ops/s"]');
    await page.waitForFunction(
      () => Number(document.querySelector(".last-values")?.getAttribute("data-rows")) > 0,
      undefined,
      WAIT,
    );
    expect(await page.$$eval(`${ns} .u-legend .u-label`, (cells) => cells.map((c) => c.textContent))).toEqual(
      expect.arrayContaining(["profile=fsync rw=sync", "profile=fsync rw=write"]),
    );
    const cells = await page.$$eval(`${ns} details td`, (tds) => tds.map((td) => td.textContent ?? ""));
    expect(cells).toEqual(expect.arrayContaining([expect.stringMatching(/^\d+(\.\d+)? ms$/)]));
    await shot(page, "explore.png");

    await page.uncheck("#field input[value=iops]");
    await page.waitForFunction(
      () => new URL(location.href).searchParams.get("f") === "direct,lat_p99_ns",
      undefined,
      WAIT,
    );
    await page.waitForFunction(
      () => document.querySelectorAll(".panel[data-unit]").length === 1,
      undefined,
      WAIT,
    );
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("fits a 420 px wide phone with no horizontal scroll", async () => {
    for (const [path, name] of [
      ["/?view=overview&source=storage-probe&from=-30m&refresh=off", "phone-overview.png"],
      [
        "/?view=explore&m=storage_io&f=lat_p99_ns,direct&g=profile,rw&from=-30m&refresh=off",
        "phone-explore.png",
      ],
    ] as const) {
      const { page, problems } = await open(path, 420);
      await drawn(page, ".panel[data-unit=ns]");
      await page.waitForFunction(
        () => Number(document.querySelector(".last-values")?.getAttribute("data-rows")) > 0,
        undefined,
        WAIT,
      );
      expect(await noHorizontalScroll(page)).toBe(true);
      await shot(page, name);
      expect(problems).toEqual([]);
      await page.context().close();
    }
  });

  it("clears the data on screen on Forget, and says when a token is wrong", async () => {
    const { page } = await open("/?view=overview&source=perf&from=-15m");
    await drawn(page, panel("perf_process", "bytes"));
    await page.click("#forget-token");
    expect(await page.locator(".panel, table, canvas").count()).toBe(0);
    expect(await page.textContent("#view")).toBe("");
    expect(await page.isHidden("#controls")).toBe(true);
    expect(await page.textContent("#status")).toBe("token forgotten; its data is cleared from the page");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await page.fill("#token", "wrong");
    await page.click("#use-token");
    await page.waitForFunction(() => document.querySelector("#status")?.className === "error");
    expect(await page.textContent("#status")).toBe("the token is not valid");
    await page.context().close();
  });

  it("shows a benchmark's value across runs by commit, with the change from the commit before", async () => {
    // Three runs of perf's run mode (bench_result), a minute apart, each at its own commit; globex
    // ran the same benchmark at another commit, which acme never sees.
    const nowMs = Date.now();
    const lines: string[] = [];
    const runs = [
      ["c0ffee1111aa", 1200, 5.0],
      ["c0ffee2222bb", 1300, 5.0],
      ["c0ffee3333cc", 1100, 4.0],
    ] as const;
    runs.forEach(([commit, parse, ratio], i) => {
      const ns = `${BigInt(nowMs - (3 - i) * 60_000) * 1_000_000n}`;
      const run = `org=acme,source=perf,project=demo,branch=main,commit=${commit},run=r${i},format=go-test-json`;
      lines.push(
        `bench_result,${run},suite=demo/parse,name=BenchmarkParse-8,unit=ns/op value=${parse},iterations=1000i ${ns}`,
        `bench_result,${run},suite=demo/parse,name=BenchmarkParse-8,unit=ratio value=${ratio} ${ns}`,
      );
    });
    lines.push(
      `bench_result,org=globex,source=perf,commit=g_secret_commit,run=g,suite=demo/parse,name=BenchmarkParse-8,unit=ns/op value=1 ${BigInt(nowMs) * 1_000_000n}`,
    );
    await writeToReplicas(fixture, lines);

    const { page, problems } = await open("/?view=overview&source=perf&from=-15m");
    const table = ".board-section[data-measurement=bench_result] .panel.commits";
    await page.waitForFunction(
      (s) => Number(document.querySelector(s)?.getAttribute("data-rows")) === 2,
      table,
      WAIT,
    );
    expect(await page.getAttribute(table, "data-commits")).toBe("c0ffee1111aa c0ffee2222bb c0ffee3333cc");
    const rows = await page.$$eval(`${table} tr`, (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("th, td"), (cell) => cell.textContent)),
    );
    expect(rows).toEqual([
      ["suite", "name", "unit", "c0ffee1111aa", "c0ffee2222bb", "c0ffee3333cc"],
      ["demo/parse", "BenchmarkParse-8", "ns/op", "1200 ns/op", "1300 ns/op (+8.33%)", "1100 ns/op (-15.4%)"],
      ["demo/parse", "BenchmarkParse-8", "ratio", "5 ratio", "5 ratio (+0%)", "4 ratio (-20%)"],
    ]);
    expect(await page.textContent("#view")).not.toContain("g_secret");
    await shot(page, "bench-by-commit.png");
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("shows PM_GATEWAY_NOTICE above the page as plain text, before any token is given", async () => {
    const text = `Demo: <b id="injected">simulated</b> cluster`;
    const noticed = await fixture.gateway({ PM_GATEWAY_NOTICE: text });
    const url = await noticed.listen({ port: 0, host: "127.0.0.1" });
    const page = await (await browser.newContext()).newPage();
    await page.goto(url);
    await page.waitForFunction(() => !document.getElementById("notice")?.hidden, null, WAIT);
    expect(await page.textContent("#notice")).toBe(text);
    expect(await page.$("#injected")).toBeNull();
    await page.context().close();
  });
});
