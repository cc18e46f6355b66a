import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { promisify } from "node:util";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repo } from "../vitest/pack.js";
// @ts-expect-error a plain ES module of the repo's scripts, without declarations
import { checkLinks } from "./check-links.mjs";

// The documentation site as `pnpm run docs` builds it (TypeDoc's validation as errors: every export documented, every
// link resolved), its links as a browser follows them, and the site in a real browser: Debian's Chromium, headless,
// driven by playwright-core (which downloads no browser). Screenshots go to test-results/docs/ for people to look at.
const exec = promisify(execFile);
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const screenshots = join(repo, "test-results/docs");
let work: string;
let site: string;
let server: Server;
let base: string;
let context: BrowserContext;
let build: { stdout: string; stderr: string };

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png" };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "k8s-docs-"));
  site = join(work, "site");
  // The docs command itself, with the output elsewhere (a developer's docs-site/ stays as it is).
  build = await exec(process.execPath, [join(repo, "node_modules/typedoc/bin/typedoc"), "--out", site], { cwd: repo, timeout: 400_000, maxBuffer: 64 * 2 ** 20 });
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? "/").split("?")[0]!)).replace(/^(\.\.[/\\])+/, "");
    const file = join(site, path.endsWith("/") ? `${path}index.html` : path);
    if (!file.startsWith(site) || !existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
  context = await chromium.launchPersistentContext(join(work, "profile"), {
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
  });
  mkdirSync(screenshots, { recursive: true });
}, 600_000);

afterAll(async () => {
  await context?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Opens a page of the site and fails on any script error or failed request. */
async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`script error: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} for ${response.url()}`);
  });
  await page.goto(new URL(path, base).href, { waitUntil: "load" });
  await page.waitForLoadState("networkidle");
  expect(problems).toEqual([]);
  return page;
}

describe("the documentation site", () => {
  it("builds with TypeDoc's validation as errors (no warning at all)", () => {
    expect(`${build.stdout}${build.stderr}`.replace(/\x1b\[[0-9;]*m/g, "")).not.toMatch(/warning|error/i);
    expect(existsSync(join(site, "index.html"))).toBe(true);
  });

  it("has guides whose TypeScript compiles against the packages (strict)", async () => {
    const dir = join(repo, ".docs-examples");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const snippets: string[] = [];
    for (const guide of ["docs/index.md", ...readdirSync(join(repo, "docs/guides")).map((f) => `docs/guides/${f}`)]) {
      const text = readFileSync(join(repo, guide), "utf8");
      // Blocks that need code generated in an app say so: `<!-- unchecked: why -->` on the line before.
      for (const match of text.matchAll(/(<!-- unchecked:[^>]*-->\n)?```ts\n([\s\S]*?)```/g)) {
        if (match[1]) continue;
        const file = `${guide.replace(/\W+/g, "-")}-${snippets.length}.mts`;
        writeFileSync(join(dir, file), `${match[2]}\nexport {};\n`);
        snippets.push(file);
      }
    }
    expect(snippets.length).toBeGreaterThan(15);
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: "../tsconfig.docs.json", compilerOptions: { noEmit: true, skipLibCheck: true }, include: ["*.mts"] }));
    const result = await exec(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", dir], { cwd: repo, timeout: 300_000 }).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    rmSync(dir, { recursive: true, force: true });
    expect(result).toBe("");
  }, 300_000);

  it("has no broken link (files and #fragments of every href and src)", () => {
    const { broken, checked } = checkLinks(site) as { broken: string[]; checked: number };
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(10_000);
  });

  it("renders the home page with the guides and every package in the navigation", async () => {
    const page = await open("index.html");
    await expect.poll(() => page.title()).toContain("k8s-sdk");
    // Folders (`@org/…`) start collapsed: their entries are in the tree, not all visible.
    const navigation = (await page.locator("nav.tsd-navigation").textContent()) ?? "";
    for (const name of ["k8s-core", "k8s-auth", "k8s-runtime", "k8s-gen", "k8s-testenv", "k8s-controller", "apps/v1", "Connecting and authentication", "CRDs in your app"]) {
      expect(navigation).toContain(name);
    }
    await page.screenshot({ path: join(screenshots, "home.png"), fullPage: false });
    await page.close();
  }, 60_000);

  it("renders a guide, and its links lead to API pages", async () => {
    const page = await open("documents/CRDs_in_your_app.html");
    await expect(page.locator("h1").first()).toHaveText("CRDs in your app");
    const link = page.locator('.tsd-typography a[href$="interfaces/_org_k8s-core.Kube.html#with"]').first();
    await link.click();
    await page.waitForURL(/_org_k8s-core\.Kube\.html#with$/);
    const signature = (await page.locator("#with-1").innerText()).replace(/\s+/g, " ").replace(/\( /g, "(").replace(/,? \)/g, ")");
    expect(signature).toMatch(/^with<A extends object, K extends object>\(api: GeneratedApi<A, K>\): Kube<Known & K> & A$/);
    await page.close();
  }, 60_000);

  it("search finds a symbol and leads to its page", async () => {
    const page = await open("index.html");
    await page.locator("#tsd-search-trigger").click();
    await page.locator("#tsd-search-input").fill("Informer");
    const result = page.locator('#tsd-search-results li a[href$="classes/_org_k8s-core.Informer.html"]');
    await result.waitFor({ timeout: 15_000 });
    expect(await page.locator("#tsd-search-results li").allInnerTexts()).toEqual(expect.arrayContaining(["@org/k8s-core.Informer", "@org/k8s-core.InformerEvent"]));
    await result.click();
    await page.waitForURL(/classes\/_org_k8s-core\.Informer\.html$/);
    await expect(page.locator("h1").first()).toHaveText("Class Informer<T, N>");
    await page.close();
  }, 60_000);

  it("shows a known function's signature and documentation (connect)", async () => {
    const page = await open("functions/_org_k8s-core.connect.html");
    const signature = (await page.locator(".tsd-signature").first().innerText()).replace(/\s+/g, " ").replace(/\( /g, "(").replace(/,? \)/g, ")");
    expect(signature).toBe("connect(options?: ConnectOptions): Promise<Kube<Kinds>>");
    await expect(page.locator(".tsd-typography").first()).toContainText("Connects the way kubectl does");
    await page.screenshot({ path: join(screenshots, "api-connect.png"), fullPage: false });
    await page.close();
  }, 60_000);
});

// `expect(locator).toHaveText` and friends are Playwright's test-runner assertions; vitest's expect gets plain ones.
declare module "vitest" {
  interface Assertion {
    toHaveText(text: string): Promise<void>;
    toContainText(text: string): Promise<void>;
  }
}
expect.extend({
  async toHaveText(locator: { innerText(): Promise<string> }, text: string) {
    const actual = (await locator.innerText()).trim();
    return { pass: actual === text, message: () => `expected text ${JSON.stringify(text)}, got ${JSON.stringify(actual)}` };
  },
  async toContainText(locator: { innerText(): Promise<string> }, text: string) {
    const actual = await locator.innerText();
    return { pass: actual.includes(text), message: () => `expected text containing ${JSON.stringify(text)}, got ${JSON.stringify(actual.slice(0, 300))}` };
  },
});
