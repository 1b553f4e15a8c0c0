import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@platform-metrics/sdk/service";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { authenticateToken, TokenIndex } from "../src/auth/token-auth.js";
import {
  openTokenStore,
  parseTokensFile,
  type TokenStore,
  TokensFileError,
} from "../src/auth/tokens-file.js";
import { createToken } from "../src/cli/token-create.js";
import { waitFor } from "./helpers/wait.js";

const sha = (fill: string) => fill.repeat(64);

describe("tokens file", () => {
  it("reads entries, with orgs, * and expiry", () => {
    const entries = parseTokensFile(
      `tokens:
  - id: acme-reader
    sha256: ${sha("a")}
    orgs: [acme, beta]
    expires: 2027-01-01T00:00:00Z
  - id: admin
    sha256: ${sha("B")}
    orgs: ["*"]
`,
      "tokens.yaml",
    );
    expect(entries).toHaveLength(2);
    expect(entries[0]!.orgs).toEqual(new Set(["acme", "beta"]));
    expect(entries[0]!.expires?.toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(entries[1]!.orgs).toBe("*");
    expect(entries[1]!.digest.toString("hex")).toBe(sha("b"));
  });

  it.each([
    ["not yaml", "tokens: [", /not valid YAML/],
    ["an empty file (a write caught halfway)", "", /tokens\.yaml: \(top\): .*expected object/],
    ["a file without tokens:", "other: 1\n", /tokens: expected a list of tokens/],
    [
      "a short digest",
      `tokens:\n  - { id: x, sha256: abc, orgs: [acme] }`,
      /tokens\.0\.sha256: expected the hex sha256/,
    ],
    [
      "no orgs",
      `tokens:\n  - { id: x, sha256: ${sha("a")}, orgs: [] }`,
      /tokens\.0\.orgs: expected at least one org/,
    ],
    [
      "a bad org",
      `tokens:\n  - { id: x, sha256: ${sha("a")}, orgs: [Acme] }`,
      /tokens\.0\.orgs\.0: expected an org name/,
    ],
    [
      "a bad expiry",
      `tokens:\n  - { id: x, sha256: ${sha("a")}, orgs: [a], expires: soon }`,
      /expected an RFC 3339 time, got "soon"/,
    ],
    [
      "an unknown key",
      `tokens:\n  - { id: x, sha256: ${sha("a")}, orgs: [a], token: secret }`,
      /Unrecognized key/,
    ],
    [
      "a duplicate id",
      `tokens:\n  - { id: x, sha256: ${sha("a")}, orgs: [a] }\n  - { id: x, sha256: ${sha("c")}, orgs: [a] }`,
      /tokens\.1\.id: duplicate id x/,
    ],
    [
      "an id in the namespace of OIDC callers",
      `tokens:\n  - { id: "OIDC:alice", sha256: ${sha("a")}, orgs: [a] }`,
      /tokens\.0\.id: ids starting with oidc: are reserved for OIDC callers/,
    ],
  ])("refuses %s and says where", (_what, text, message) => {
    expect(() => parseTokensFile(text, "tokens.yaml")).toThrow(message);
  });

  it("never puts a token's digest in an error", () => {
    const text = `tokens:\n  - { id: x, sha256: ${sha("a")}, orgs: [Bad] }`;
    expect(() => parseTokensFile(text, "t.yaml")).toThrow(TokensFileError);
    try {
      parseTokensFile(text, "t.yaml");
    } catch (error) {
      expect((error as Error).message).not.toContain(sha("a"));
    }
  });
});

describe("token authentication", () => {
  const acme = createToken({ id: "acme", orgs: ["acme"] });
  const old = createToken({ id: "old", orgs: ["acme"], expires: "2020-01-01T00:00:00Z" });
  const entries = new TokenIndex(
    parseTokensFile(
      `tokens:\n${[acme, old].map(({ entry }) => `  - ${JSON.stringify(entry)}`).join("\n")}\n`,
      "t.yaml",
    ),
  );

  it("accepts the token whose sha256 is listed", () => {
    expect(authenticateToken(entries, acme.token)).toMatchObject({ id: "acme", orgs: new Set(["acme"]) });
  });

  it("refuses a wrong token, an empty one and an expired one", () => {
    expect(() => authenticateToken(entries, `${acme.token}x`)).toThrow(/not valid/);
    expect(() => authenticateToken(entries, "")).toThrow(/not valid/);
    expect(() => authenticateToken(entries, acme.entry.sha256)).toThrow(/not valid/);
    expect(() => authenticateToken(entries, old.token)).toThrow(/expired at 2020-01-01/);
  });
});

describe("tokens file reload", () => {
  let dir: string;
  let store: TokenStore | undefined;
  const first = createToken({ id: "first", orgs: ["acme"] });
  const second = createToken({ id: "second", orgs: ["acme"] });
  const file = (...tokens: { entry: object }[]) =>
    `tokens:\n${tokens.map(({ entry }) => `  - ${JSON.stringify(entry)}`).join("\n")}\n`;
  const ids = () => store!.entries().map((entry) => entry.id);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "pm-tokens-"));
  });
  afterEach(async () => {
    store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("picks up a Kubernetes-style symlink swap and keeps the last good set after a bad edit", async () => {
    // A Secret volume: tokens.yaml -> ..data/tokens.yaml, ..data -> a timestamped directory.
    await mkdir(join(dir, "v1"));
    await writeFile(join(dir, "v1", "tokens.yaml"), file(first));
    await symlink("v1", join(dir, "..data"));
    await symlink("..data/tokens.yaml", join(dir, "tokens.yaml"));
    store = await openTokenStore(join(dir, "tokens.yaml"), { pollInterval: 50, logger: silentLogger });
    expect(ids()).toEqual(["first"]);

    await mkdir(join(dir, "v2"));
    await writeFile(join(dir, "v2", "tokens.yaml"), file(first, second));
    await symlink("v2", join(dir, "..data_tmp"));
    await rename(join(dir, "..data_tmp"), join(dir, "..data"));
    await waitFor(() => ids().length === 2, "the second token to be loaded");
    expect(authenticateToken(store.index(), second.token).id).toBe("second");

    await mkdir(join(dir, "v3"));
    await writeFile(join(dir, "v3", "tokens.yaml"), "tokens:\n  - { id: broken }\n");
    await symlink("v3", join(dir, "..data_tmp"));
    await rename(join(dir, "..data_tmp"), join(dir, "..data"));
    await store.reload();
    expect(ids()).toEqual(["first", "second"]);

    await rm(join(dir, "v3"), { recursive: true });
    await store.reload();
    expect(ids()).toEqual(["first", "second"]);
  });

  it("refuses to start on a missing or bad file", async () => {
    await expect(
      openTokenStore(join(dir, "missing.yaml"), { pollInterval: 50, logger: silentLogger }),
    ).rejects.toThrow(/cannot read tokens file .*missing\.yaml: ENOENT/);
    await writeFile(join(dir, "bad.yaml"), "tokens: 3\n");
    await expect(
      openTokenStore(join(dir, "bad.yaml"), { pollInterval: 50, logger: silentLogger }),
    ).rejects.toThrow(/tokens: /);
  });
});
