import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { demoToken } from "../src/demo-token.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pm-demo-token-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the demo token", () => {
  it("is made once, kept private, and the same on the next run", () => {
    const first = demoToken(dir, "platform");
    expect(first.token).toMatch(/^pmg_[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(dir, "demo-token")).mode & 0o077).toBe(0);
    expect(demoToken(dir, "platform").token).toBe(first.token);
  });

  it("grants its org only, and the tokens file holds its sha256, never the token", () => {
    const { token, tokensFile } = demoToken(dir, "platform");
    const text = readFileSync(tokensFile, "utf8");
    expect(text).not.toContain(token);
    expect(text).toContain(createHash("sha256").update(token).digest("hex"));
    expect(text).toMatch(/"orgs":\["platform"\]/);
  });

  it("replaces a token file that holds something else (an edit, a truncated write)", () => {
    for (const junk of ["", "pmg_short", "not a token at all\n", `pmg_${"x".repeat(43)}\nsecond line`]) {
      writeFileSync(join(dir, "demo-token"), junk);
      const { token } = demoToken(dir, "platform");
      expect(token).toMatch(/^pmg_[A-Za-z0-9_-]{43}$/);
      expect(readFileSync(join(dir, "demo-token"), "utf8")).toBe(`${token}\n`);
    }
  });
});
