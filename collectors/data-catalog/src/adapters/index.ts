import type { CatalogAdapter } from "./adapter.js";
import { ckan } from "./ckan.js";
import { openmetadata } from "./openmetadata.js";

/** The adapters PM_ADAPTER can name. A new catalog is a new file here and one line below. */
export const ADAPTERS = { ckan, openmetadata } as const satisfies Record<string, CatalogAdapter>;

export type AdapterName = keyof typeof ADAPTERS;
export const ADAPTER_NAMES = Object.keys(ADAPTERS) as [AdapterName, ...AdapterName[]];
