import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OidcAuthenticator } from "./oidc.js";

const jwt = (exp: number) => `h.${Buffer.from(JSON.stringify({ exp })).toString("base64url")}.s`;
let server: Server;
let issuer: string;
let refreshes: URLSearchParams[];

beforeEach(async () => {
  refreshes = [];
  server = createServer((req, res) => {
    if (req.url === "/.well-known/openid-configuration") {
      res.setHeader("content-type", "application/json");
      return void res.end(JSON.stringify({ issuer, token_endpoint: `${issuer}/token` }));
    }
    let body = "";
    req.on("data", (c: Buffer) => (body += c));
    req.on("end", () => {
      const form = new URLSearchParams(body);
      refreshes.push(form);
      if (form.get("refresh_token") !== "r1") return void res.writeHead(400).end();
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ id_token: jwt(Math.floor(Date.now() / 1000) + 3600), refresh_token: "r2" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("oidc auth-provider", () => {
  it("uses the id-token while it is valid for more than 10 s", async () => {
    const idToken = jwt(Math.floor(Date.now() / 1000) + 60);
    const auth = new OidcAuthenticator({ "idp-issuer-url": issuer, "client-id": "c", "id-token": idToken, "refresh-token": "r1" });
    expect(await auth.token()).toBe(idToken);
    expect(refreshes).toHaveLength(0);
  });

  it("refreshes through the discovered token endpoint when expired; concurrent callers share one refresh", async () => {
    const auth = new OidcAuthenticator({ "idp-issuer-url": issuer, "client-id": "c", "client-secret": "s", "id-token": jwt(Math.floor(Date.now() / 1000) + 5), "refresh-token": "r1" });
    const tokens = await Promise.all(Array.from({ length: 5 }, () => auth.token()));
    expect(new Set(tokens).size).toBe(1);
    expect(refreshes).toHaveLength(1);
    expect(Object.fromEntries(refreshes[0]!)).toEqual({ grant_type: "refresh_token", refresh_token: "r1", client_id: "c", client_secret: "s" });
    expect(await auth.token()).toBe(tokens[0]);
  });

  it("without a refresh-token: client-go's error", async () => {
    const auth = new OidcAuthenticator({ "idp-issuer-url": issuer, "client-id": "c", "id-token": jwt(1) });
    await expect(auth.token()).rejects.toThrowError("getting credentials: No valid id-token, and cannot refresh without refresh-token");
  });

  it("a failed refresh is reported without the tokens", async () => {
    const auth = new OidcAuthenticator({ "idp-issuer-url": issuer, "client-id": "c", "refresh-token": "SECRET-R" });
    const error = await auth.token().catch((e: Error) => e);
    expect((error as Error).message).toMatch(/refreshing the token at .*\/token failed with HTTP 400/);
    expect((error as Error).message).not.toContain("SECRET");
  });
});
