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
 * Replaces every form of the credential in a text with ***: error messages quote part of a
 * response body, and a server that echoes the request's headers back must not put the secret in
 * the logs.
 */
export function redactor(credential: HttpCredential | undefined): (text: string) => string {
  if (credential === undefined) return (text) => text;
  const secrets = (
    credential.type === "bearer"
      ? [credential.token]
      : [credential.password, authorizationHeader(credential).slice("Basic ".length)]
  ).filter((secret) => secret.length >= 4);
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
