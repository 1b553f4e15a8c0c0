import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const TOKEN = /^pmg_[A-Za-z0-9_-]{43}$/;

export interface DemoToken {
  token: string;
  tokensFile: string;
}

/**
 * The demo's gateway token, for `org` only: made once and kept in the demo directory (mode 0600),
 * so a second run prints the same one. The tokens file holds only its sha256, as in production.
 */
export function demoToken(dir: string, org: string): DemoToken {
  const tokenFile = join(dir, "demo-token");
  let token = existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : "";
  if (!TOKEN.test(token)) {
    token = `pmg_${randomBytes(32).toString("base64url")}`;
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  }
  const entry = { id: "demo", sha256: createHash("sha256").update(token, "utf8").digest("hex"), orgs: [org] };
  const tokensFile = join(dir, "tokens.yaml");
  writeFileSync(tokensFile, `tokens:\n  - ${JSON.stringify(entry)}\n`, { mode: 0o600 });
  return { token, tokensFile };
}
