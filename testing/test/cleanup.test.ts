import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The child test process runs the built package: plain Node cannot import the TypeScript source.
const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));

interface Leftovers {
  pids: number[];
  dirs: string[];
}

/** Runs a test process that starts a nats-server and an influxd, then ends as `ending` says. */
async function testProcessThat(ending: string): Promise<Leftovers> {
  if (!existsSync(dist)) throw new Error(`${dist} is missing: build testing first (npm run build)`);
  const script = `
    import { startInflux, startNats } from ${JSON.stringify(dist)};
    const nats = await startNats();
    const influx = await startInflux({ auth: true });
    console.log(JSON.stringify({ pids: [nats.pid, influx.pid], dirs: [nats.storeDir, influx.dataDir] }));
    ${ending}
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise((resolve) => child.once("exit", resolve));
  const line = stdout.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`the test process printed no servers; its stderr:\n${stderr}`);
  return JSON.parse(line) as Leftovers;
}

/** A zombie is dead too: this machine's init reaps orphans only every second or so. */
function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/**
 * What is still there after waiting for the cleanup (60 s at most: a bound for a cleanup that never
 * comes, not a budget); removed then, so a failure leaves nothing.
 */
async function remaining({ pids, dirs }: Leftovers): Promise<Leftovers> {
  const deadline = Date.now() + 60_000;
  while ((pids.some(alive) || dirs.some(existsSync)) && Date.now() < deadline) await sleep(50);
  const left = { pids: pids.filter(alive), dirs: dirs.filter((dir) => existsSync(dir)) };
  for (const pid of left.pids) process.kill(pid, "SIGKILL");
  for (const dir of left.dirs) rmSync(dir, { recursive: true, force: true });
  return left;
}

describe("cleanup", () => {
  it("kills the servers and removes their directories when a test process exits without closing them", async () => {
    const started = await testProcessThat("process.exit(0);");
    expect(started.pids).toHaveLength(2);
    expect(await remaining(started)).toEqual({ pids: [], dirs: [] });
  });

  it("cleans up after an uncaught error", async () => {
    const started = await testProcessThat(`throw new Error("test crashed");`);
    expect(await remaining(started)).toEqual({ pids: [], dirs: [] });
  });

  it("cleans up after the test process is killed with SIGKILL, which skips every exit hook", async () => {
    const started = await testProcessThat(`process.kill(process.pid, "SIGKILL");`);
    expect(await remaining(started)).toEqual({ pids: [], dirs: [] });
  });

  it("cleans up after SIGTERM", async () => {
    const started = await testProcessThat(`process.kill(process.pid, "SIGTERM");`);
    expect(await remaining(started)).toEqual({ pids: [], dirs: [] });
  });
});
