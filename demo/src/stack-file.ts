import { writeFileSync } from "node:fs";
import type { Endpoint } from "./endpoints.js";

/** `.pm-demo/stack.json`: what runs where, for a script, a curious user, or the end-to-end test. */
export interface StackFile {
  dir: string;
  org: string;
  gateway: string;
  nats: string;
  demoPid: number;
  services: ({ name: string; pid: number | null; log: string } & Partial<Endpoint>)[];
}

export function writeStackFile(path: string, state: StackFile): void {
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
}
