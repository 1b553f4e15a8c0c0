import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { commonConfigSchema } from "../src/config/common.js";
import { duration, parseDuration } from "../src/config/duration.js";
import { ConfigError, envName, loadConfig } from "../src/config/load.js";

const schema = commonConfigSchema.extend({
  volumePath: z.string().min(1),
  targets: z.array(z.string()).default([]),
  verbose: z.boolean().default(false),
  timeout: duration().default(1000),
});

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "pm-config-")), name);
  writeFileSync(path, text);
  return path;
}

describe("configuration", () => {
  it("maps camelCase keys to PM_ variables", () => {
    expect(envName("natsUrl")).toBe("PM_NATS_URL");
    expect(envName("volumePath")).toBe("PM_VOLUME_PATH");
    expect(envName("bufferMaxBatches")).toBe("PM_BUFFER_MAX_BATCHES");
  });

  it("reads the environment with defaults, lists and booleans", () => {
    const config = loadConfig(schema, {
      env: {
        PM_VOLUME_PATH: "/data",
        PM_TARGETS: "a, b,c",
        PM_VERBOSE: "true",
        PM_HTTP_PORT: "0",
        PM_NATS_URL: "nats://n1:4222,nats://n2:4222",
      },
    });
    expect(config).toMatchObject({
      volumePath: "/data",
      targets: ["a", "b", "c"],
      verbose: true,
      httpPort: 0,
      org: "platform",
      natsUrl: ["nats://n1:4222", "nats://n2:4222"],
      sink: { kind: "nats" },
      shutdownTimeout: 10_000,
    });
  });

  it("parses sinks", () => {
    expect(loadConfig(schema, { env: { PM_VOLUME_PATH: "/", PM_SINK: "stdout" } }).sink).toEqual({
      kind: "stdout",
    });
    expect(loadConfig(schema, { env: { PM_VOLUME_PATH: "/", PM_SINK: "file:/tmp/x.lp" } }).sink).toEqual({
      kind: "file",
      path: "/tmp/x.lp",
    });
    expect(problems(() => loadConfig(schema, { env: { PM_VOLUME_PATH: "/", PM_SINK: "kafka" } }))[0]).toMatch(
      /^PM_SINK: expected nats, stdout or file:<path>/,
    );
  });

  it("reads a YAML file named by PM_CONFIG, and the environment wins", () => {
    const file = tempFile("c.yaml", "volumePath: /from-file\norg: acme\ninterval: 15s\ntargets: [x, y]\n");
    const config = loadConfig(schema, { env: { PM_CONFIG: file, PM_ORG: "globex" } });
    expect(config).toMatchObject({
      volumePath: "/from-file",
      org: "globex",
      interval: 15_000,
      targets: ["x", "y"],
    });
  });

  it("reads a JSON file", () => {
    const file = tempFile("c.json", JSON.stringify({ volumePath: "/j", httpPort: 9999 }));
    expect(loadConfig(schema, { env: { PM_CONFIG: file } })).toMatchObject({
      volumePath: "/j",
      httpPort: 9999,
    });
  });

  it("names the variable and what was expected for each bad value", () => {
    const found = problems(() =>
      loadConfig(schema, {
        env: { PM_INTERVAL: "10 parsecs", PM_HTTP_PORT: "70000", PM_ORG: "Acme Corp", PM_LOG_LEVEL: "loud" },
      }),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PM_INTERVAL: expected a duration such as 500ms, 10s/),
        expect.stringMatching(/^PM_HTTP_PORT: .*65535/),
        expect.stringMatching(/^PM_ORG: expected lowercase letters/),
        expect.stringMatching(/^PM_LOG_LEVEL: /),
        expect.stringMatching(/^PM_VOLUME_PATH is required/),
      ]),
    );
  });

  it("says a missing required setting is required, and what it is", () => {
    const described = z.object({ influxUrls: z.string().describe("replicas, name=url comma-separated") });
    expect(problems(() => loadConfig(described, { env: {} }))).toEqual([
      "PM_INFLUX_URLS is required: replicas, name=url comma-separated",
    ]);
    // A value that is there but of the wrong kind keeps the schema's own message.
    const file = tempFile("c.yaml", "influxUrls: 3\n");
    expect(problems(() => loadConfig(described, { env: { PM_CONFIG: file } }))).toEqual([
      expect.stringMatching(/^influxUrls in .*c\.yaml: .*expected string, received number/),
    ]);
  });

  it("names the file and key for a bad value from the file, and refuses unknown keys", () => {
    const file = tempFile("c.yaml", "volumePath: /v\nintervl: 10s\nhttpPort: many\n");
    const found = problems(() => loadConfig(schema, { env: { PM_CONFIG: file } }));
    expect(found.some((p) => p.includes('unknown setting "intervl"'))).toBe(true);
    expect(found.some((p) => p.startsWith(`httpPort in ${file}:`))).toBe(true);
  });

  it("says when the file is missing or not YAML", () => {
    expect(problems(() => loadConfig(schema, { env: { PM_CONFIG: "/nonexistent/pm.yaml" } }))[0]).toMatch(
      /PM_CONFIG: cannot read \/nonexistent\/pm.yaml/,
    );
    const bad = tempFile("bad.yaml", "a: [unclosed\n");
    expect(problems(() => loadConfig(schema, { env: { PM_CONFIG: bad } }))[0]).toMatch(
      /is not valid YAML or JSON/,
    );
    const list = tempFile("list.yaml", "- a\n- b\n");
    expect(problems(() => loadConfig(schema, { env: { PM_CONFIG: list } }))[0]).toMatch(
      /must hold a mapping/,
    );
  });

  it("never echoes a secret in an error", () => {
    const secretSchema = z.object({ natsPassword: z.string().min(40) });
    const found = problems(() => loadConfig(secretSchema, { env: { PM_NATS_PASSWORD: "hunter2" } }));
    expect(found.join("\n")).not.toContain("hunter2");
    expect(found[0]).toMatch(/^PM_NATS_PASSWORD:/);
  });

  it("command-line overrides win and are named by their flag", () => {
    const config = loadConfig(schema, {
      env: { PM_VOLUME_PATH: "/env" },
      overrides: { volumePath: { value: "/cli", label: "--volume-path" } },
    });
    expect(config.volumePath).toBe("/cli");
    const found = problems(() =>
      loadConfig(schema, { env: {}, overrides: { timeout: { value: "soon", label: "--timeout" } } }),
    );
    expect(found.some((p) => p.startsWith("--timeout: expected a duration"))).toBe(true);
  });
});

describe("durations", () => {
  it.each([
    ["500ms", 500],
    ["10s", 10_000],
    ["1m30s", 90_000],
    ["2h", 7_200_000],
    ["0.5s", 500],
    ["31d", 31 * 86_400_000],
  ])("%s is %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "10", "s", "-1s", "1 s", "1w", "10s garbage"])("refuses %j", (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  it("enforces bounds", () => {
    expect(duration({ min: "10ms" }).safeParse("1ms").success).toBe(false);
    expect(duration({ max: "1m" }).safeParse("2m").success).toBe(false);
    expect(duration().parse("1m")).toBe(60_000);
  });
});
