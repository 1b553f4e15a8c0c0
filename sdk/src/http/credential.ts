/** How the client authenticates: a bearer token, or a user name and password (HTTP basic). */
export type HttpCredential =
  | { type: "bearer"; token: string }
  | { type: "basic"; username: string; password: string };

export function authorizationHeader(credential: HttpCredential): string {
  if (credential.type === "bearer") return `Bearer ${credential.token}`;
  const pair = `${credential.username}:${credential.password}`;
  return `Basic ${Buffer.from(pair, "utf8").toString("base64")}`;
}

/**
 * Replaces every form of the credential, and every other secret the client sends (a token in a header
 * of the API's own), in a text with ***: error messages quote part of a response body, and a server
 * that echoes the request's headers back must not put the secret in the logs.
 */
export function redactor(
  credential: HttpCredential | undefined,
  others: readonly string[] = [],
): (text: string) => string {
  const forms =
    credential === undefined
      ? []
      : credential.type === "bearer"
        ? [credential.token]
        : [credential.password, authorizationHeader(credential).slice("Basic ".length)];
  const secrets = [...forms, ...others].filter((secret) => secret.length >= 4);
  if (secrets.length === 0) return (text) => text;
  return (text) => secrets.reduce((out, secret) => out.split(secret).join("***"), text);
}

/** A URL as it may appear in logs and errors: without user name and password. */
export function displayUrl(url: URL): string {
  if (url.username === "" && url.password === "") return url.href;
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  return copy.href;
}
