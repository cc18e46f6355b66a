import { describe, expect, it } from "vitest";
import { encodeExtraKey, impersonationHeaderLines, impersonationHeaders } from "./impersonation.js";

describe("impersonation headers", () => {
  it("percent-encodes non-token bytes and % in extra keys", () => {
    expect(encodeExtraKey("scopes")).toBe("scopes");
    expect(encodeExtraKey("example.com/scopes")).toBe("example.com%2Fscopes");
    expect(encodeExtraKey("a%b c")).toBe("a%25b%20c");
    expect(encodeExtraKey("ü")).toBe("%C3%BC");
  });
  it("one header line per group and extra value", () => {
    const imp = { user: "bob", uid: "42", groups: ["g1", "g2"], extra: { "x/y": ["1", "2"], a: ["z"] } };
    expect(impersonationHeaderLines(imp)).toEqual({
      "Impersonate-User": ["bob"],
      "Impersonate-Uid": ["42"],
      "Impersonate-Group": ["g1", "g2"],
      "Impersonate-Extra-a": ["z"],
      "Impersonate-Extra-x%2Fy": ["1", "2"],
    });
    const headers = new Headers();
    impersonationHeaders(imp, headers);
    expect(headers.get("impersonate-user")).toBe("bob");
    expect(headers.get("impersonate-group")).toBe("g1, g2");
  });
  it("nothing without impersonation", () => {
    expect(impersonationHeaderLines(undefined)).toEqual({});
  });
});
