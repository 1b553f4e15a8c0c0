import type { AdapterDefinition } from "./adapter.js";
import { backstage } from "./backstage.js";
import { osb } from "./osb.js";

/** Every adapter, by the name PM_ADAPTER takes. A new catalog is a new file and a line here. */
export const ADAPTERS = { backstage, osb } satisfies Record<string, AdapterDefinition>;

export type AdapterName = keyof typeof ADAPTERS;
