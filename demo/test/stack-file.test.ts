import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runningDemo } from "../src/stack-file.js";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pm-demo-stack-file-"));
  path = join(dir, "stack.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("runningDemo", () => {
  it("finds a demo whose process still runs", async () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "pm-demo"], {
      stdio: "ignore",
    });
    try {
      writeFileSync(path, JSON.stringify({ demoPid: child.pid }));
      expect(runningDemo(path)).toBe(child.pid);
    } finally {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    expect(runningDemo(path)).toBeUndefined();
  });

  it("finds none in a missing, broken or foreign file, or for a pid that is another program", () => {
    expect(runningDemo(path)).toBeUndefined();
    for (const content of [
      "",
      "{",
      "null",
      '{"demoPid":"1234"}',
      '{"demoPid":1}',
      '{"demoPid":-5}',
      '{"demoPid":1.5}',
    ]) {
      writeFileSync(path, content);
      expect(runningDemo(path), content).toBeUndefined();
    }
    // This test's own process is alive, but it is not a demo (and is the caller).
    writeFileSync(path, JSON.stringify({ demoPid: process.pid }));
    expect(runningDemo(path)).toBeUndefined();
  });
});
