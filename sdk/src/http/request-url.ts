import { displayUrl } from "./credential.js";

export type QueryValue = string | number | boolean | undefined | readonly (string | number)[];

/** An absolute http(s) URL without user info (credentials belong in the client's `credential`). */
export function parseHttpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    const shown = text.replace(/\/\/[^/@]*@/, "//***@");
    throw new Error(`${what} ${JSON.stringify(shown)}: expected an absolute http:// or https:// URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(
      `${what} ${JSON.stringify(displayUrl(url))}: expected http:// or https://, got ${url.protocol}`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new Error(
      `${what} ${JSON.stringify(displayUrl(url))}: has a user name or password in it; give them as the client's credential, which is never logged`,
    );
  }
  return url;
}

/**
 * `path` appended to the base URL's path (`/api/catalog` + `/entities` is `/api/catalog/entities`,
 * where `new URL(path, base)` would drop `/api/catalog`), or taken as it is when absolute; then the
 * query parameters, an array repeating its parameter.
 */
export function resolveRequestUrl(
  base: URL | undefined,
  path: string,
  query: Record<string, QueryValue> = {},
): URL {
  let url: URL;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) || base === undefined) {
    url = parseHttpUrl(path, "URL");
  } else {
    url = new URL(base.href);
    const queryAt = path.indexOf("?");
    const pathPart = queryAt === -1 ? path : path.slice(0, queryAt);
    url.pathname = `${url.pathname.replace(/\/+$/, "")}/${pathPart.replace(/^\/+/, "")}`;
    if (queryAt !== -1) url.search = path.slice(queryAt);
  }
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) url.searchParams.append(name, String(item));
    else url.searchParams.append(name, String(value));
  }
  return url;
}
