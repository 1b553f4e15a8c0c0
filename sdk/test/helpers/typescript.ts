import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Runs the repository's TypeScript compiler on a tsconfig; returns its exit code and output. */
export function typeCheck(tsconfig: string): { code: number | null; output: string } {
  const tsc = `${repoRoot}node_modules/typescript/bin/tsc`;
  const run = spawnSync(process.execPath, [tsc, "-p", tsconfig, "--noEmit", "--pretty", "false"], {
    encoding: "utf8",
  });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Runs the repository's biome check (lint and format) on paths; returns its exit code and output. */
export function lint(paths: string[]): { code: number | null; output: string } {
  const biome = `${repoRoot}node_modules/@biomejs/biome/bin/biome`;
  const run = spawnSync(process.execPath, [biome, "check", "--colors=off", ...paths], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}
