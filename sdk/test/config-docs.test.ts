import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defineCollector } from "../src/collector.js";
import { duration } from "../src/config/duration.js";
import { describeSettings, renderConfig, replaceConfigSection } from "../src/docs/render-config.js";
import { z } from "../src/index.js";
import { usage } from "../src/runtime/cli.js";
import { resolveCollectorConfig } from "../src/runtime/resolve-config.js";

const collector = defineCollector({
  name: "documented",
  interval: "10s",
  config: z.object({
    target: z.string().min(1).describe("what to probe (required)"),
    timeout: duration().default(90_000).describe("time limit of one probe"),
    mode: z.enum(["fast", "slow"]).default("fast").describe("how hard to try"),
    retries: z.coerce.number().int().min(0).default(3).describe("retries | per round (default three)"),
    tags: z.array(z.string()).optional().describe("extra tags, comma-separated"),
  }),
  cli: { options: { target: { type: "string" }, mode: { type: "string", description: "fast or slow" } } },
  measurements: { demo_x: { tags: [], fields: { n: "integer" } } },
  collect: () => {},
});

const dir = mkdtempSync(join(tmpdir(), "pm-config-docs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("settings docs from the config schema", () => {
  it("lists variable, flag, type, default and meaning of each setting", () => {
    expect(describeSettings(collector).map(({ sample: _, ...s }) => s)).toEqual([
      {
        key: "target",
        variable: "PM_TARGET",
        flag: "--target",
        type: "string",
        default: "required",
        required: true,
        meaning: "what to probe",
      },
      {
        key: "timeout",
        variable: "PM_TIMEOUT",
        flag: undefined,
        type: "duration",
        default: "`90s`",
        required: false,
        meaning: "time limit of one probe",
      },
      {
        key: "mode",
        variable: "PM_MODE",
        flag: "--mode",
        type: "fast | slow",
        default: "`fast`",
        required: false,
        meaning: "how hard to try",
      },
      {
        key: "retries",
        variable: "PM_RETRIES",
        flag: undefined,
        type: "integer",
        default: "three",
        required: false,
        meaning: "retries | per round",
      },
      {
        key: "tags",
        variable: "PM_TAGS",
        flag: undefined,
        type: "list of string",
        default: "none",
        required: false,
        meaning: "extra tags, comma-separated",
      },
    ]);
    const text = renderConfig(collector);
    expect(text).toContain("| `PM_RETRIES` |  | integer | three | retries \\| per round |");
  });

  it("gives --help the schema's description of a flag that has none of its own", () => {
    const help = usage(collector);
    expect(help).toMatch(/--target <value> +what to probe \(required\)\n/);
    expect(help).toMatch(/--mode <value> +fast or slow\n/);
    expect(help).toMatch(/PM_TIMEOUT +time limit of one probe\n/);
  });

  it("writes a sample PM_CONFIG file that loads, once the required settings are filled in", () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(renderConfig(collector))![1]!;
    expect(yaml).toContain("timeout: 90s\n");
    expect(yaml).toContain("# target:\n");
    const file = join(dir, "sample.yaml");
    writeFileSync(file, yaml.replace("# target:", "target: http://x"));
    const config = resolveCollectorConfig(collector, { env: { PM_CONFIG: file } });
    expect(config).toMatchObject({ target: "http://x", timeout: 90_000, mode: "fast", retries: 3 });
  });

  it("replaces only the text between the markers, and says when they are missing", () => {
    const readme = "# x\n\n<!-- config:start -->\nold\n<!-- config:end -->\n\nrest\n";
    expect(replaceConfigSection(readme, "new\n")).toBe(
      "# x\n\n<!-- config:start -->\n\nnew\n\n<!-- config:end -->\n\nrest\n",
    );
    expect(replaceConfigSection("# x\n", "new")).toBeUndefined();
    expect(readFileSync(new URL("../../collectors/perf/README.md", import.meta.url), "utf8")).not.toMatch(
      /^\| `PM_PID` .*\n[\s\S]*^\| `PM_PID` /m,
    );
  });
});
