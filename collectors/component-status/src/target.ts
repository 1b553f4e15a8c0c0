/** One thing to probe, static or discovered, with every setting resolved. */
export interface Target {
  /** The target tag. */
  name: string;
  kind: "static" | "service" | "pod";
  url: string;
  /** The org of its points; undefined: PM_ORG. */
  org?: string;
  timeoutMs: number;
  expectStatus?: readonly number[];
  versionPath?: string;
  headers: Record<string, string>;
  scrape: boolean;
  /** PEM of a CA to trust. */
  ca?: string;
  rejectUnauthorized: boolean;
  /** Probed at most this often (discovery's interval annotation); undefined: every round. */
  intervalMs?: number;
}
