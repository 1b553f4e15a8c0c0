/// <reference lib="dom" />
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startFixture, tokens } from "./helpers/fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../test-artifacts/", import.meta.url);

let fixture: Fixture;
let app: FastifyInstance;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the dashboard test needs it (apt-get install -y chromium)`);
  }
  fixture = await startFixture();
  app = await fixture.gateway();
  base = await app.listen({ port: 0, host: "127.0.0.1" });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await fixture?.close();
});

describe("dashboard", () => {
  it("takes a token, lists acme's measurements and draws a chart and a table from real points", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });

    await page.goto(base);
    await page.fill("#token", tokens.acme);
    await page.click("#use-token");
    await page.waitForSelector("#measurement option[value=cpu]", { state: "attached" });
    expect(
      await page.$$eval("#org option", (options) => options.map((o) => (o as HTMLOptionElement).value)),
    ).toEqual(["acme"]);
    expect(
      await page.$$eval("#measurement option", (options) =>
        options.map((o) => (o as HTMLOptionElement).value),
      ),
    ).toEqual(["acme_disk", "acme_status", "cpu"]);

    await page.selectOption("#measurement", "cpu");
    await page.waitForSelector("#field option[value=usage]", { state: "attached" });
    await page.selectOption("#field", "usage");
    await page.selectOption("#group-by", "host");
    await page.selectOption("#range", "-1h");
    await page.click("#draw");
    await page.waitForFunction(() =>
      document.querySelector("#status")?.textContent?.includes("points from replica"),
    );

    expect(await page.textContent("#status")).toMatch(/^2 series, \d+ points from replica a/);
    expect(await page.locator("#chart canvas").count()).toBeGreaterThan(0);
    expect(
      await page.$$eval("#chart .u-legend .u-series", (rows) => rows.map((row) => row.textContent)),
    ).toEqual(
      expect.arrayContaining([expect.stringContaining("host=a-1"), expect.stringContaining("host=a-2")]),
    );
    const cells = await page.$$eval("#table tbody td", (tds) => tds.map((td) => td.textContent ?? ""));
    const numbers = cells.filter((cell) => /^\d+(\.\d+)?$/.test(cell)).map(Number);
    // Seeded usage values are 0.5..29.5 (a-1) and 1.25..30.25 (a-2).
    expect(numbers.length).toBeGreaterThan(10);
    for (const value of numbers) expect(value).toBeLessThanOrEqual(30.25);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL("dashboard.png", ARTIFACTS).pathname, fullPage: true });
    expect(problems).toEqual([]);

    await page.fill("#token", "wrong");
    await page.click("#use-token");
    await page.waitForFunction(() => document.querySelector("#status")?.className === "error");
    expect(await page.textContent("#status")).toBe("the token is not valid");
  });
});
