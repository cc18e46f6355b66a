#!/usr/bin/env node
// Checks every link of the built site (docs-site/ or the directory given): each href and src to a file of the site
// must name a file that exists and, with a #fragment, an element with that id (or name) in it. TypeDoc checks the
// links it writes from {@link} tags and relative links in documents; this checks the HTML as a browser follows it
// (guides' links to each other and to the API pages, navigation, assets). Links to other sites are listed, not fetched.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(process.argv[2] ?? join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), "docs-site"));

/** Every file under `dir`. */
function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]));
}

const idsCache = new Map();
/** The ids and anchor names in an HTML file. */
function ids(file) {
  if (!idsCache.has(file)) {
    const html = readFileSync(file, "utf8");
    idsCache.set(file, new Set([...html.matchAll(/\s(?:id|name)="([^"]+)"/g)].map((m) => m[1])));
  }
  return idsCache.get(file);
}

const decode = (text) => text.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");

/** Checks the site; returns the broken links as "page: href (why)" and the external links found. */
export function checkLinks(site = root) {
  if (!existsSync(join(site, "index.html"))) throw new Error(`${site}: no index.html (run pnpm docs first)`);
  const broken = [];
  const external = new Set();
  let checked = 0;
  for (const page of files(site).filter((f) => f.endsWith(".html"))) {
    const html = readFileSync(page, "utf8");
    for (const match of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const link = decode(match[1]);
      if (/^(https?:)?\/\//.test(link)) {
        external.add(link);
        continue;
      }
      if (/^(mailto|data|javascript):/.test(link)) continue;
      checked++;
      const [path, fragment] = link.split("#", 2);
      const target = path === "" ? page : resolve(dirname(page), decodeURIComponent(path.split("?")[0]));
      const where = `${relative(site, page)}: ${link}`;
      if (!target.startsWith(site)) broken.push(`${where} (leaves the site)`);
      else if (!existsSync(target) || statSync(target).isDirectory()) broken.push(`${where} (no such file)`);
      else if (fragment && target.endsWith(".html") && !ids(target).has(decodeURIComponent(fragment))) broken.push(`${where} (no #${fragment} there)`);
    }
  }
  return { broken, external: [...external].sort(), checked };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { broken, external, checked } = checkLinks();
  if (broken.length) {
    process.stderr.write(`[docs] ${broken.length} broken links:\n${broken.map((b) => `  ${b}`).join("\n")}\n`);
    process.exit(1);
  }
  process.stderr.write(`[docs] ${checked} links in ${relative(process.cwd(), root) || "."} resolve (${external.length} to other sites, not fetched)\n`);
}
