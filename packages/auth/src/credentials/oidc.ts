import type { Agent } from "node:https";
import { https } from "../http/builtins.js";
import { sendRequest } from "../http/request.js";
import { CredentialError } from "../errors.js";

/** Seconds before expiry at which an id-token is refreshed (client-go uses 10 s). */
const EXPIRY_SKEW_MS = 10_000;

function tokenExpiry(idToken: string): number | undefined {
  const payload = idToken.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: number };
    return typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `oidc` auth-provider: sends the id-token while it is valid for 10 more seconds, then refreshes it with the
 * refresh-token at the issuer's token endpoint (found through `.well-known/openid-configuration`). Refreshed tokens
 * are kept in memory (client-go also writes them back to the kubeconfig; we do not modify user files).
 */
export class OidcAuthenticator {
  readonly #config: Record<string, string>;
  readonly #now: () => number;
  readonly #agent: Agent;
  #idToken: string | undefined;
  #refreshToken: string | undefined;
  #pending: Promise<string> | undefined;

  constructor(config: Record<string, string>, now: () => number = Date.now) {
    this.#config = config;
    this.#now = now;
    this.#idToken = config["id-token"];
    this.#refreshToken = config["refresh-token"];
    const ca = config["idp-certificate-authority-data"]
      ? Buffer.from(config["idp-certificate-authority-data"], "base64").toString("utf8")
      : undefined;
    this.#agent = new https.Agent({ keepAlive: false, ...(ca ? { ca } : {}) });
  }

  async token(): Promise<string> {
    const current = this.#idToken;
    const expiry = current ? tokenExpiry(current) : undefined;
    if (current && expiry !== undefined && expiry > this.#now() + EXPIRY_SKEW_MS) return current;
    this.#pending ??= this.#refresh().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** A 401 for the current id-token forces a refresh on the next request. */
  unauthorized(sent: string | undefined): void {
    if (sent && sent === this.#idToken) this.#idToken = undefined;
  }

  /** The issuer's CA applies to https URLs; plain http (tests, local issuers) uses Node's default agent. */
  #agentFor(url: string): Agent | undefined {
    return url.startsWith("https:") ? this.#agent : undefined;
  }

  async #refresh(): Promise<string> {
    if (!this.#refreshToken) throw new CredentialError("getting credentials: No valid id-token, and cannot refresh without refresh-token");
    const issuer = this.#config["idp-issuer-url"]!.replace(/\/+$/, "");
    const discovery = await sendRequest(new URL(`${issuer}/.well-known/openid-configuration`), {}, { agent: this.#agentFor(issuer) }).catch((error: Error) => {
      throw new CredentialError(`getting credentials: oidc: cannot reach the issuer ${issuer}: ${error.message}`);
    });
    if (!discovery.ok) {
      discovery.cancel();
      throw new CredentialError(`getting credentials: oidc: ${issuer}/.well-known/openid-configuration answered ${discovery.status}`);
    }
    const endpoint = ((await discovery.json()) as { token_endpoint?: string }).token_endpoint;
    if (!endpoint) throw new CredentialError(`getting credentials: oidc: the issuer ${issuer} publishes no token_endpoint`);
    const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: this.#refreshToken, client_id: this.#config["client-id"]! });
    if (this.#config["client-secret"]) body.set("client_secret", this.#config["client-secret"]);
    if (this.#config["extra-scopes"]) body.set("scope", ["openid", ...this.#config["extra-scopes"].split(",")].join(" "));
    const res = await sendRequest(
      new URL(endpoint),
      { method: "POST", body: body.toString(), headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" } },
      { agent: this.#agentFor(endpoint) },
    ).catch((error: Error) => {
      throw new CredentialError(`getting credentials: oidc: cannot reach the token endpoint ${endpoint}: ${error.message}`);
    });
    if (!res.ok) {
      res.cancel();
      throw new CredentialError(`getting credentials: oidc: refreshing the token at ${endpoint} failed with HTTP ${res.status}`);
    }
    const tokens = (await res.json()) as { id_token?: string; refresh_token?: string };
    if (!tokens.id_token) throw new CredentialError(`getting credentials: oidc: the token endpoint ${endpoint} returned no id_token`);
    this.#idToken = tokens.id_token;
    if (tokens.refresh_token) this.#refreshToken = tokens.refresh_token;
    return tokens.id_token;
  }
}
