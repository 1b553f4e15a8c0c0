import { z } from "zod";

/** One InfluxDB replica of `PM_INFLUX_URLS`. */
export interface InfluxReplica {
  name: string;
  /** Origin and optional base path (a proxy's prefix), without a trailing slash. */
  url: string;
}

const REPLICA_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const EXAMPLE = "a=http://influx-a:8086,b=http://influx-b:8086";

/**
 * Parses `PM_INFLUX_URLS`, `name=url` pairs separated by commas, as the relay and the gateway both
 * read it. Throws an Error naming the first bad entry and what was expected.
 */
export function parseInfluxReplicas(text: string): InfluxReplica[] {
  const replicas: InfluxReplica[] = [];
  for (const entry of text.split(",").map((part) => part.trim())) {
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    const name = eq === -1 ? "" : entry.slice(0, eq).trim();
    const url = eq === -1 ? "" : entry.slice(eq + 1).trim();
    if (!REPLICA_NAME.test(name)) {
      throw new Error(
        `expected name=http(s)://host:port, got ${JSON.stringify(entry)} (a name is 1 to 32 lowercase letters, digits, - or _, starting with a letter or digit)`,
      );
    }
    const problem = urlProblem(url);
    if (problem) throw new Error(`replica ${name}: ${problem}, got ${JSON.stringify(withoutUserInfo(url))}`);
    if (replicas.some((replica) => replica.name === name))
      throw new Error(`replica name ${JSON.stringify(name)} appears twice`);
    replicas.push({ name, url: url.replace(/\/+$/, "") });
  }
  if (replicas.length === 0) throw new Error(`expected at least one replica, e.g. ${EXAMPLE}`);
  return replicas;
}

/** The URL as an error may show it: a password typed into it is never repeated. */
function withoutUserInfo(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^/@]*@/i, "$1<hidden>@");
}

function urlProblem(text: string): string | undefined {
  if (!/^https?:\/\/[^\s/]\S*$/i.test(text)) return "expected an http:// or https:// URL without spaces";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "expected a URL such as http://influx-a:8086";
  }
  if (url.hostname === "") return "expected a host";
  // Credentials belong in PM_INFLUX_USERNAME / PM_INFLUX_PASSWORD: a URL is logged.
  if (url.username !== "" || url.password !== "")
    return "expected no user or password in the URL (set PM_INFLUX_USERNAME and PM_INFLUX_PASSWORD)";
  if (url.search !== "" || url.hash !== "") return "expected no ?query or #fragment";
  return undefined;
}

/** `PM_INFLUX_URLS` as a config value: the message of a bad entry names it. */
export const influxReplicas = z
  .string({ error: `required: replicas as name=url, e.g. ${EXAMPLE}` })
  .transform((text, ctx) => {
    try {
      return parseInfluxReplicas(text);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  });
