import type { Logger } from "@platform-metrics/sdk/service";
import {
  type CryptoKey,
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from "jose";

export interface IdpKeysOptions {
  issuer: string;
  /** Defaults to the jwks_uri of `<issuer>/.well-known/openid-configuration`. */
  jwksUrl?: string;
  /** Longest wait for one answer of the IdP (discovery document or JWKS). */
  timeoutMs: number;
  /** The key set is fetched again once it is older than this, so a removed key stops working. */
  maxAgeMs: number;
  /** A token whose key is not in the set fetches the set again at most this often. */
  unknownKeyIntervalMs: number;
  /** Wait after a failed fetch before the next one; it doubles with each failure up to retryMaxMs. */
  retryMinMs: number;
  retryMaxMs: number;
  logger: Logger;
}

/** The IdP's keys cannot be had now and none are cached: 503 for the caller. */
export class IdpUnavailableError extends Error {
  override name = "IdpUnavailableError";
  constructor(readonly retryAfterS: number) {
    super("the identity provider's keys cannot be fetched now");
  }
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

/**
 * The issuer's signing keys, fetched by this gateway and handed to jose as a local key set, so that
 * every fetch is under one roof: concurrent callers share one fetch; after a failure the next waits
 * retryMinMs, doubling up to retryMaxMs, while the last good keys go on serving; once the IdP is known
 * to fail, no request waits on it (503 at once when there are no keys at all); and an unknown `kid`,
 * which anyone can make up, fetches again at most once per unknownKeyIntervalMs.
 */
export class IdpKeys {
  private keys?: LocalKeySet;
  private fetchedAtMs = Number.NEGATIVE_INFINITY;
  private attemptedAtMs = Number.NEGATIVE_INFINITY;
  private jwksUrl?: URL;
  private pending?: Promise<void>;
  private failures = 0;
  private retryAtMs = 0;

  constructor(private readonly options: IdpKeysOptions) {
    if (options.jwksUrl) this.jwksUrl = new URL(options.jwksUrl);
  }

  /** jose's key lookup for jwtVerify. */
  readonly key = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    const keys = await this.current(false);
    try {
      return await keys(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (Date.now() - this.attemptedAtMs < this.options.unknownKeyIntervalMs) throw error;
      return (await this.current(true))(header, token);
    }
  };

  private async current(keyUnknown: boolean): Promise<LocalKeySet> {
    const nowMs = Date.now();
    const stale = keyUnknown || !this.keys || nowMs - this.fetchedAtMs >= this.options.maxAgeMs;
    if (stale && !this.pending && nowMs >= this.retryAtMs) {
      const fetching = this.fetch().finally(() => {
        if (this.pending === fetching) this.pending = undefined;
      });
      this.pending = fetching;
    }
    // While the IdP is known to fail (it may hang), the retry runs in the background.
    if (this.pending && this.failures === 0) await this.pending;
    if (this.keys) return this.keys;
    throw new IdpUnavailableError(Math.max(1, Math.ceil((this.retryAtMs - Date.now()) / 1000)));
  }

  /** Never rejects: a failure is logged and sets the time of the next try. */
  private async fetch(): Promise<void> {
    this.attemptedAtMs = Date.now();
    try {
      this.jwksUrl ??= await this.discover();
      let keys: LocalKeySet;
      try {
        keys = createLocalJWKSet((await this.getJson(this.jwksUrl)) as JSONWebKeySet);
      } catch (error) {
        if (!(error instanceof errors.JWKSInvalid)) throw error;
        throw new Error(`${this.jwksUrl} is not a JSON Web Key Set ({"keys":[...]})`);
      }
      this.keys = keys;
      this.fetchedAtMs = Date.now();
      if (this.failures > 0) this.options.logger.info(`the identity provider answers again: ${this.jwksUrl}`);
      this.failures = 0;
      this.retryAtMs = 0;
    } catch (error) {
      this.failures++;
      const waitMs = Math.min(this.options.retryMinMs * 2 ** (this.failures - 1), this.options.retryMaxMs);
      this.retryAtMs = Date.now() + waitMs;
      this.options.logger.error(
        { err: error, failures: this.failures, retryInMs: waitMs, keepingLastKeys: this.keys !== undefined },
        `cannot fetch the identity provider's keys: ${(error as Error).message}`,
      );
    }
  }

  private async discover(): Promise<URL> {
    const { issuer } = this.options;
    const url = new URL(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`);
    const document = (await this.getJson(url)) as { issuer?: unknown; jwks_uri?: unknown } | null;
    // OpenID Connect Discovery 1.0, section 4.3: the document's issuer must be exactly the one asked.
    if (document?.issuer !== issuer) {
      throw new Error(
        `${url} names issuer ${JSON.stringify(document?.issuer)?.slice(0, 200)}, expected ${JSON.stringify(issuer)}`,
      );
    }
    if (typeof document.jwks_uri !== "string" || !URL.canParse(document.jwks_uri)) {
      throw new Error(`${url} has no jwks_uri URL (got ${JSON.stringify(document.jwks_uri)?.slice(0, 200)})`);
    }
    return new URL(document.jwks_uri);
  }

  private async getJson(url: URL): Promise<unknown> {
    const { timeoutMs } = this.options;
    let text: string;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "error" });
      text = await response.text();
      if (response.status !== 200) throw new Error(`${url} answered ${response.status}, expected 200`);
    } catch (error) {
      if ((error as Error).name === "TimeoutError")
        throw new Error(`${url} did not answer within ${timeoutMs} ms`);
      const cause = (error as Error).cause as Error | undefined;
      throw cause ? new Error(`${url}: ${(error as Error).message} (${cause.message})`) : error;
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new Error(`${url} did not answer JSON: ${(error as Error).message}`);
    }
  }
}
