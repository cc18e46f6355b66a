import { describe, expect, it } from "vitest";
import { rewriteDocComment } from "./doc-comments.js";

// Comment bodies exactly as openapi-typescript 7 writes them (the text between `/*` and `*/`).
describe("rewriteDocComment", () => {
  it("keeps the prose of a single-line description, without the tag", () => {
    expect(rewriteDocComment("* @description Spec defines the desired state. ")).toBe("* Spec defines the desired state. ");
  });

  it("keeps root-relative link targets (paths in the schema author's source tree) as code, not links", () => {
    expect(rewriteDocComment("* @description Attributes of the API request([ref](/pkg/apis/admission/types.go#AdmissionRequest)); see [docs](https://kubernetes.io/docs). ")).toBe(
      "* Attributes of the API request(ref (`/pkg/apis/admission/types.go#AdmissionRequest`)); see [docs](https://kubernetes.io/docs). ",
    );
  });

  it("drops format, enum and zero-value defaults", () => {
    const text = "*\n * Format: int32\n * @description Number of desired pods.\n * @default 0\n * @enum {string}\n ";
    expect(rewriteDocComment(text)).toBe("* Number of desired pods. ");
    expect(rewriteDocComment("*\n * Format: int64\n * @default {}\n ")).toBeUndefined();
  });

  it("keeps paragraphs, deprecation and defaults that say something", () => {
    const text = "*\n * @deprecated\n * @description First paragraph.\n *     \n *     Second paragraph.\n * @default Always\n ";
    expect(rewriteDocComment(text)).toBe("*\n * First paragraph.\n *\n * Second paragraph.\n *\n * @deprecated\n * @defaultValue `Always`\n ");
  });

  it("keeps escaped comment terminators escaped", () => {
    expect(rewriteDocComment("* @description matches a/*\\/b ")).toBe("* matches a/*\\/b ");
  });
});
