import { createHash } from "node:crypto";
import { type FSWatcher, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { isOrgName } from "@platform-metrics/sdk/contracts";
import type { Logger } from "@platform-metrics/sdk/service";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { type TokenEntry, TokenIndex } from "./token-auth.js";

const entrySchema = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "expected letters, digits, . _ : or -, at most 128")
      // OIDC callers are named oidc:<hash>; a token must never share their rate limit or log name.
      .refine((id) => !/^oidc:/i.test(id), "ids starting with oidc: are reserved for OIDC callers"),
    sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "expected the hex sha256 of the token (64 hex characters)"),
    orgs: z
      .array(
        z
          .string()
          .refine(
            (org) => org === "*" || isOrgName(org),
            "expected an org name (lowercase, digits, - _) or *",
          ),
      )
      .min(1, "expected at least one org"),
    expires: z
      .union([z.string(), z.date()])
      .optional()
      .transform((value, ctx) => {
        if (value === undefined) return undefined;
        const date = value instanceof Date ? value : new Date(value);
        if (Number.isNaN(date.getTime())) {
          ctx.addIssue({
            code: "custom",
            message: `expected an RFC 3339 time, got ${JSON.stringify(value)}`,
          });
          return z.NEVER;
        }
        return date;
      }),
  })
  .strict();

const fileSchema = z
  .object({ tokens: z.array(entrySchema, "expected a list of tokens under tokens: (tokens: [] for none)") })
  .strict()
  .superRefine((file, ctx) => {
    const ids = new Set<string>();
    const digests = new Set<string>();
    file.tokens.forEach((token, index) => {
      if (ids.has(token.id))
        ctx.addIssue({ code: "custom", path: ["tokens", index, "id"], message: `duplicate id ${token.id}` });
      if (digests.has(token.sha256.toLowerCase()))
        ctx.addIssue({ code: "custom", path: ["tokens", index, "sha256"], message: "duplicate sha256" });
      ids.add(token.id);
      digests.add(token.sha256.toLowerCase());
    });
  });

export class TokensFileError extends Error {
  override name = "TokensFileError";
}

/** Parses and validates a tokens file; the error names the entry and the field that is wrong. */
export function parseTokensFile(text: string, path: string): TokenEntry[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new TokensFileError(`${path} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "(top)"}: ${issue.message}`,
    );
    throw new TokensFileError(`${path}: ${problems.join("; ")}`);
  }
  return result.data.tokens.map((token) => ({
    id: token.id,
    digest: Buffer.from(token.sha256.toLowerCase(), "hex"),
    orgs: token.orgs.includes("*") ? "*" : new Set(token.orgs),
    expires: token.expires,
  }));
}

export interface TokenStore {
  entries(): readonly TokenEntry[];
  /** The current entries, indexed for authenticateToken. */
  index(): TokenIndex;
  /** Re-reads the file now; the watcher and the poll call this too. */
  reload(): Promise<void>;
  close(): void;
}

/**
 * Loads the tokens file and keeps it current. A Kubernetes Secret volume changes by swapping a symlink,
 * which a watch on the file itself misses, so the directory is watched and the content polled too;
 * a reload that fails keeps the last good set.
 */
export async function openTokenStore(
  path: string,
  options: { pollInterval: number; logger: Logger },
): Promise<TokenStore> {
  const { logger } = options;
  let current = new TokenIndex([]);
  let lastHash = "";
  let reloading: Promise<void> | undefined;

  const load = async (initial: boolean): Promise<void> => {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      const message = `cannot read tokens file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
      if (initial) throw new TokensFileError(message);
      if (lastHash !== "unreadable")
        logger.error(`${message}; keeping the last good set of ${current.entries.length}`);
      lastHash = "unreadable";
      return;
    }
    const hash = createHash("sha256").update(text).digest("hex");
    if (hash === lastHash) return;
    lastHash = hash;
    try {
      current = new TokenIndex(parseTokensFile(text, path));
      logger.info(
        { tokens: current.entries.length, ids: current.entries.map((token) => token.id) },
        "tokens file loaded",
      );
    } catch (error) {
      if (initial) throw error;
      logger.error(
        `${(error as Error).message}; keeping the last good set of ${current.entries.length} tokens`,
      );
    }
  };
  const reload = () => {
    reloading ??= load(false).finally(() => {
      reloading = undefined;
    });
    return reloading;
  };

  await load(true);
  const timer = setInterval(() => void reload(), options.pollInterval);
  timer.unref();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, () => void reload());
    watcher.on("error", () => watcher?.close());
  } catch {
    // Polling alone still picks up changes.
  }

  return {
    entries: () => current.entries,
    index: () => current,
    reload,
    close() {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
