import { runFio } from "./run-fio.js";

export type FioLookup = { found: true; version: string | undefined } | { found: false; reason: string };

/** Asks `fio --version`; a missing or broken binary is reported, not thrown. */
export async function findFio(fioPath: string, signal?: AbortSignal): Promise<FioLookup> {
  try {
    const run = await runFio({ fioPath, args: ["--version"], timeoutMs: 10_000, signal });
    if (run.exitCode !== 0)
      return { found: false, reason: `${fioPath} --version exited with code ${run.exitCode}` };
    return { found: true, version: /fio-\d+(\.\d+)*/.exec(run.stdout)?.[0] };
  } catch (error) {
    return { found: false, reason: (error as Error).message };
  }
}
