/**
 * Headless Chromium (Debian's `chromium` package) for browser tests of the self-contained HTML
 * reports: a screenshot, the DOM as the browser built it, and the browser's own network log.
 * Chromium is required: a test using {@link requireChromium} fails without it, it does not skip.
 * Those tests are named `*.browser.test.ts`, which `npm test` leaves out and
 * `npm run test:system` runs (vitest.system.config.ts).
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "vitest";
import { decodePng, type Image } from "./png.js";

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM = "/usr/bin/chromium";
/** Upper bound for one Chromium run; the process group is killed past it (normal runs take ~2 s). */
export const CHROMIUM_KILL_AFTER_MS = 45_000;
/** Loaded by the layout-probe copy of a page only: proves the network-log check can see requests. */
export const PROBE_URL = "http://fmops-probe.invalid/probe.png";

/** Fails the current test, saying how to install Chromium, when it is missing. */
export function requireChromium(): void {
  expect(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing. This test (part of npm run test:system) needs Debian's chromium ` +
      "package: sudo apt-get install -y --no-install-recommends chromium",
  ).toBe(true);
}

/** What one Chromium run printed. */
export interface ChromiumRun {
  /** Standard output (the DOM, with `--dump-dom`). */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Window size of a run. */
export interface Viewport {
  /** Width in CSS pixels (= screenshot pixels: no device scaling). */
  width: number;
  /** Height in CSS pixels. */
  height: number;
}

/**
 * Runs Chromium headless with a fresh profile under `work`, writing its NetLog to
 * `work/<name>.netlog.json`. Nothing may leave the machine: DNS maps every host to "not found"
 * and all HTTP(S) goes through a proxy on a closed loopback port, so even Chromium's own
 * background requests (updates, accounts) fail locally. The browser runs in its own process
 * group, killed whole after {@link CHROMIUM_KILL_AFTER_MS}.
 */
export async function runChromium(
  work: string,
  name: string,
  args: string[],
  viewport: Viewport,
): Promise<ChromiumRun> {
  const argv = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    `--user-data-dir=${join(work, `profile-${name}`)}`,
    `--window-size=${viewport.width},${viewport.height}`,
    `--log-net-log=${join(work, `${name}.netlog.json`)}`,
    ...args,
  ];
  // Its own process group, so a hung browser is killed with its renderer and zygote children.
  const child = spawn(CHROMIUM, argv, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }
  }, CHROMIUM_KILL_AFTER_MS);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
    if (timedOut) throw new Error(`chromium ${name} killed after ${CHROMIUM_KILL_AFTER_MS} ms`);
    if (code !== 0) throw new Error(`chromium ${name} exited ${code}: ${stderr.slice(-2000)}`);
    return { stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** One URL request from a NetLog. */
export interface NetRequest {
  /** The URL asked for. */
  url: string;
  /** The network isolation key, naming the top frame that asked (Chromium's own: none). */
  isolationKey: string;
}

/** URL requests from Chromium's NetLog, with the network isolation key naming who asked. */
export async function netRequests(path: string): Promise<NetRequest[]> {
  const text = await readFile(path, "utf8");
  let log: {
    constants: { logEventTypes: Record<string, number> };
    events: { type: number; params?: Record<string, unknown> }[];
  };
  try {
    log = JSON.parse(text);
  } catch {
    // A NetLog cut short lacks its closing brackets (documented NetLog behaviour).
    log = JSON.parse(`${text.trimEnd().replace(/,$/, "")}]}`);
  }
  const start = log.constants.logEventTypes.URL_REQUEST_START_JOB;
  expect(start, "NetLog names URL_REQUEST_START_JOB").toBeTypeOf("number");
  return log.events
    .filter((e) => e.type === start && typeof e.params?.url === "string")
    .map((e) => ({
      url: String(e.params?.url),
      isolationKey: String(e.params?.network_isolation_key ?? ""),
    }));
}

/** Requests the page itself made: their isolation key is the file:// top frame. */
export const fromPage = (requests: NetRequest[]): NetRequest[] =>
  requests.filter((r) => r.isolationKey.startsWith("file://"));

/** Undoes the HTML escaping of an attribute value in a dumped DOM. */
export function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/**
 * Fails the current test if `html` refers to anything outside itself: no URL-valued attribute,
 * no stylesheet import or `url()`, no script, frame or embedded object, and no http(s) URL other
 * than the SVG namespace (which is a name, not a fetch).
 */
export function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*[a-z]+:/i);
  expect(html).not.toMatch(/url\(|@import|<script|<link|<iframe|<object|<embed/i);
  expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', "")).not.toMatch(/https?:\/\//);
}

/** Where the browser laid out one element picked by the layout probe (page coordinates). */
export interface Placed {
  /** The element's `aria-label` (empty when it has none). */
  label: string;
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width. */
  w: number;
  /** Height. */
  h: number;
}

/** A page rendered by {@link renderInChromium}. */
export interface RenderedPage {
  /** The decoded screenshot (viewport size). */
  image: Image;
  /** The DOM Chromium built for the probe copy of the page (`--dump-dom`). */
  dom: string;
  /** Each element matching the layout selector, in document order. */
  layout: Placed[];
}

/**
 * A script appended to a copy of the page: records where each element matching `selector` was
 * laid out (a body attribute, which changes no layout) for --dump-dom to return, then loads
 * {@link PROBE_URL} as a positive control for the network-log check.
 */
function layoutProbe(selector: string): string {
  return `<script>document.body.setAttribute("data-layout",JSON.stringify([...document.querySelectorAll(${JSON.stringify(selector)})].map((s)=>{const r=s.getBoundingClientRect();return{label:s.getAttribute("aria-label")??"",x:r.left+scrollX,y:r.top+scrollY,w:r.width,h:r.height};})));new Image().src=${JSON.stringify(PROBE_URL)};</script>`;
}

/**
 * Renders `html` twice in parallel: a screenshot of the page as it is, and `--dump-dom` of a copy
 * carrying a layout probe (positions of the elements matching `layoutSelector`). Then checks the
 * network logs: the page itself asked for nothing, and the probe copy's one request was seen,
 * so the check would have caught a request. Set `FMOPS_REPORT_SCREENSHOT=/tmp/x.png` to keep
 * the screenshot.
 */
export async function renderInChromium(
  work: string,
  html: string,
  options: Viewport & { layoutSelector: string },
): Promise<RenderedPage> {
  const page = join(work, "page.html");
  const probed = join(work, "page-layout.html");
  const png = join(work, "page.png");
  expect(html, "the page has a </body> to put the probe before").toContain("</body>");
  await writeFile(page, html);
  await writeFile(probed, html.replace("</body>", `${layoutProbe(options.layoutSelector)}</body>`));
  const [, dump] = await Promise.all([
    runChromium(work, "shot", [`--screenshot=${png}`, pathToFileURL(page).href], options),
    runChromium(work, "dom", ["--dump-dom", pathToFileURL(probed).href], options),
  ]);
  const keep = process.env.FMOPS_REPORT_SCREENSHOT;
  if (keep) await copyFile(png, keep);

  expect(fromPage(await netRequests(join(work, "shot.netlog.json")))).toEqual([]);
  expect(fromPage(await netRequests(join(work, "dom.netlog.json"))).map((r) => r.url)).toEqual([
    PROBE_URL,
  ]);

  const dom = dump.stdout;
  const layoutAttr = /<body[^>]*data-layout="([^"]*)"/.exec(dom)?.[1];
  expect(layoutAttr, "layout probe ran").toBeTypeOf("string");
  const layout = JSON.parse(decodeEntities(layoutAttr as string)) as Placed[];
  const image = decodePng(await readFile(png));
  expect([image.width, image.height]).toEqual([options.width, options.height]);
  return { image, dom, layout };
}
