import { defaultDemoDir, layout } from "./layout.js";
import { DEMO_ORG, DemoStack, StopRequested } from "./stack.js";
import { runningDemo } from "./stack-file.js";

/**
 * `npm run demo` after its install and build steps: starts the stack, prints the gateway line, and
 * runs until Ctrl-C (SIGINT) or SIGTERM, then stops every process it started and exits 0.
 */
export async function main(): Promise<number> {
  const out = process.stdout;
  const dir = defaultDemoDir();
  const other = runningDemo(layout(dir).stackFile);
  if (other !== undefined) {
    out.write(
      `A demo is already running on ${dir} (pid ${other}): stop it first, or set PM_DEMO_DIR to another directory.\n`,
    );
    return 1;
  }
  const stack = new DemoStack({ dir, out });
  let signalled = false;
  let firstSignalAt = 0;
  let onStopAsked = () => {};
  const stopAsked = new Promise<void>((resolve) => {
    onStopAsked = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    // A Ctrl-C reaches the demo twice, from the terminal and forwarded by npm: only a later one is news.
    if (signalled) {
      if (performance.now() - firstSignalAt > 1000) out.write(`${signal}: still stopping, please wait\n`);
      return;
    }
    signalled = true;
    firstSignalAt = performance.now();
    onStopAsked();
    out.write(`${signal}: stopping every process the demo started\n`);
    void stack.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // A closed terminal: stop as for Ctrl-C.
  process.on("SIGHUP", onSignal);
  try {
    await stack.start();
  } catch (error) {
    await stack.stop();
    if (error instanceof StopRequested) return stopped(out, stack);
    out.write(`\nThe demo could not start: ${(error as Error).message}\n`);
    return 1;
  }
  if (!signalled) {
    out.write(`Org: ${DEMO_ORG}. Stop with Ctrl-C; the data stays in ${stack.dirs.root} for the next run.\n`);
    out.write(`Gateway: ${stack.gatewayUrl}  token: ${stack.token}\n`);
  }
  await stopAsked;
  await stack.stop();
  return stopped(out, stack);
}

function stopped(out: NodeJS.WriteStream, stack: DemoStack): number {
  const left = stack.pids();
  if (left.length > 0) {
    out.write(`still running after the stop: pids ${left.join(" ")}\n`);
    return 1;
  }
  out.write(`Stopped. Data kept in ${stack.dirs.root}\n`);
  return 0;
}
