import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type CkanServer, spawnCollectorBin, startCkan } from "@platform-metrics/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

let ckan: CkanServer;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the package first (npm run build)`);
  ckan = await startCkan({ datasets: 12, privateEvery: 3 });
});
afterAll(() => ckan.close());

const run = (args: string[], env: Record<string, string>) => spawnCollectorBin(BIN, args, env);

const lines = (stdout: string, measurement: string) =>
  stdout.split("\n").filter((line) => line.startsWith(`${measurement},`));

describe("pm-collector-data-catalog", () => {
  it("--once reads the catalog, writes its points to stdout and exits 0", async () => {
    const collector = run(["--once", "--adapter", "ckan", "--url", ckan.url], {
      PM_CATALOG_TOKEN: ckan.token,
      PM_ORGS: '{"org-2":"acme"}',
    });
    expect(await collector.exited, collector.output.stderr).toBe(0);
    const datasets = lines(collector.output.stdout, "datacatalog_datasets");
    expect(datasets).toHaveLength(3);
    expect(datasets.find((line) => line.includes("organization=org-2"))).toMatch(
      /^datacatalog_datasets,catalog=ckan,coverage=complete,org=acme,organization=org-2,source=data-catalog datasets=4i,datasets_read=4i,private=/,
    );
    expect(lines(collector.output.stdout, "pm_datacatalog")[0]).toContain("up=true,complete=true,total=12i");
  });

  it("never prints the token, even when the catalog echoes it back in an error", async () => {
    ckan.fail({ status: 500, body: `{"error": "bad header ${ckan.token}"}` }, { times: 1 });
    const collector = run(["--once"], {
      PM_ADAPTER: "ckan",
      PM_URL: ckan.url,
      PM_CATALOG_TOKEN: ckan.token,
      PM_RETRIES: "0",
    });
    expect(await collector.exited).toBe(0);
    expect(collector.output.stderr).toContain("500");
    expect(collector.output.stderr + collector.output.stdout).not.toContain(ckan.token);
    expect(lines(collector.output.stdout, "pm_datacatalog")[0]).toContain("up=false");
  });

  it("exits 2 (bad configuration) naming the setting when the adapter is unknown", async () => {
    const collector = run(["--once"], { PM_ADAPTER: "dcat", PM_URL: ckan.url });
    expect(await collector.exited).toBe(2);
    expect(collector.output.stderr + collector.output.stdout).toContain("PM_ADAPTER");
  });

  it("exits 1 when basic auth and CKAN's token would share the Authorization header", async () => {
    const collector = run(["--once"], {
      PM_ADAPTER: "ckan",
      PM_URL: ckan.url,
      PM_CATALOG_TOKEN: "t",
      PM_CATALOG_USER: "u",
      PM_CATALOG_PASSWORD: "p",
    });
    expect(await collector.exited).toBe(1);
    expect(collector.output.stderr + collector.output.stdout).toContain("PM_CKAN_TOKEN_HEADER");
  });

  it("--help names its settings", async () => {
    const collector = run(["--help"], {});
    expect(await collector.exited).toBe(0);
    expect(collector.output.stdout).toContain("PM_CATALOG_TOKEN");
    expect(collector.output.stdout).toContain("PM_STALE_AFTER");
  });
});
