import { createHash, randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { parseTokensFile } from "../auth/tokens-file.js";

export interface CreatedToken {
  token: string;
  entry: { id: string; sha256: string; orgs: string[]; expires?: string };
}

/** A new random token (256 bits) and the tokens-file entry that accepts it. */
export function createToken(options: { id: string; orgs: string[]; expires?: string }): CreatedToken {
  const token = `pmg_${randomBytes(32).toString("base64url")}`;
  const entry: CreatedToken["entry"] = {
    id: options.id,
    sha256: createHash("sha256").update(token, "utf8").digest("hex"),
    orgs: options.orgs,
  };
  if (options.expires !== undefined) entry.expires = options.expires;
  // Checked by the same rules as the file itself, so a bad --org or --expires fails here, not at load.
  parseTokensFile(stringify({ tokens: [entry] }), "--id/--org/--expires");
  return { token, entry };
}

export const TOKEN_CREATE_USAGE = `usage: pm-gateway token create --id <id> --org <org> [--org <org>...] [--expires <RFC 3339>]

Prints a new random token and the entry to add under "tokens:" in the tokens file
(PM_GATEWAY_TOKENS_FILE). Only the sha256 of the token goes in the file; the token is
shown once, here. --org "*" grants every org (platform admins).`;

/** `pm-gateway token create ...`; returns the exit code. */
export function runTokenCreate(args: string[], out = process.stdout, err = process.stderr): number {
  let values: { id?: string; org?: string[]; expires?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        id: { type: "string" },
        org: { type: "string", multiple: true },
        expires: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    err.write(`${(error as Error).message}\n${TOKEN_CREATE_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    out.write(`${TOKEN_CREATE_USAGE}\n`);
    return 0;
  }
  if (!values.id || !values.org?.length) {
    err.write(`--id and at least one --org are required\n${TOKEN_CREATE_USAGE}\n`);
    return 2;
  }
  let created: CreatedToken;
  try {
    created = createToken({ id: values.id, orgs: values.org, expires: values.expires });
  } catch (error) {
    err.write(`${(error as Error).message}\n`);
    return 2;
  }
  out.write(
    [
      "# token (shown only now; give it to its user, store it nowhere else):",
      created.token,
      "# entry for the tokens file, under tokens:",
      stringify([created.entry]).trimEnd(),
      "",
    ].join("\n"),
  );
  return 0;
}
