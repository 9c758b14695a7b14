// The Fonds reader in headless Chromium: search, read side by side, cite, by keyboard and without
// JavaScript. Run by tests/browser.rs against a `fonds demo` server:
//
//     node tests/browser/reader.test.mjs http://127.0.0.1:PORT target/screenshots
//
// Chromium is Debian's (FONDS_CHROMIUM, default /usr/bin/chromium), never a download of
// Playwright's; scripts/test.sh installs it and playwright-core. Every wait is bounded (15 s), and a
// watchdog ends the run after two minutes. Exit code 0 when every check passes, 1 otherwise.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [baseArg, shotsArg] = process.argv.slice(2);
if (!baseArg || !shotsArg) {
  console.error("usage: node reader.test.mjs BASE_URL SCREENSHOT_DIR");
  process.exit(2);
}
const BASE = baseArg.replace(/\/+$/, "");
const SHOTS = shotsArg;
const CHROMIUM = process.env.FONDS_CHROMIUM || "/usr/bin/chromium";
const WAIT_MS = 15_000;
// Chromium's first start on a machine (its caches cold, the test build still settling on two
// cores) took longer than 15 s once on a fresh clone; a start is not what these tests measure.
const LAUNCH_MS = 90_000;
const DOC = "wcda-134278";

// The whole run stays bounded even if Chromium or the server hangs somewhere we don't wait on.
setTimeout(() => {
  console.error("browser tests: gave up after 120 s (a hung Chromium or server?)");
  process.exit(1);
}, 120_000).unref();

// On this machine's closed network Chromium hangs or floods refused connections without these.
// Playwright adds --headless and a fresh, empty --user-data-dir of its own for every launch.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let browser;
/** Uncaught errors of the pages' own scripts, reported by the last test. */
const pageErrors = [];

/** A new page of `context` with bounded waits, whose script errors are collected. */
async function newPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.setDefaultNavigationTimeout(WAIT_MS);
  page.on("pageerror", (err) => pageErrors.push(`${page.url()}: ${err.message}`));
  return page;
}

/** Loads `path` and asserts the answer was 200. */
async function open(page, path) {
  const response = await page.goto(BASE + path, { waitUntil: "load" });
  assert.ok(response, `no response for ${path}`);
  assert.equal(response.status(), 200, `GET ${path} answered ${response.status()}`);
  return response;
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, name), fullPage: true, timeout: WAIT_MS });
}

/** The bounding box of the one element `selector` finds, failing with the selector's name. */
async function box(page, selector) {
  const loc = page.locator(selector);
  assert.equal(await loc.count(), 1, `expected exactly one ${selector}`);
  const b = await loc.boundingBox();
  assert.ok(b && b.width > 0 && b.height > 0, `${selector} is not rendered (box ${JSON.stringify(b)})`);
  return b;
}

const ORIGINAL = "div.parallel #p1 .para.original";
const TRANSLATION = "div.parallel #p1 .para.translation";

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: LAUNCH_MS,
  });
});

after(async () => {
  await browser?.close();
});

test("every page is English, has a main landmark and a skip link to it", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await newPage(context);
  for (const path of ["/", "/search?q=parallel", `/documents/${DOC}`]) {
    await open(page, path);
    assert.equal(await page.getAttribute("html", "lang"), "en", `${path}: <html lang>`);
    assert.equal(await page.locator("main#main").count(), 1, `${path}: <main id="main">`);
    assert.equal(await page.locator('a.skip[href="#main"]').count(), 1, `${path}: skip link`);
  }
  await context.close();
});

test("search from the home page: '38th parallel' finds the Stalin cable, highlighted; it opens side by side", async (t) => {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    permissions: ["clipboard-read", "clipboard-write"],
  });
  const page = await newPage(context);

  await t.test("the home page has a labelled search form", async () => {
    await open(page, "/");
    const form = page.locator('form[role="search"][action="/search"]');
    assert.equal(await form.count(), 1, '<form role="search" action="/search">');
    assert.equal((await form.getAttribute("method"))?.toLowerCase(), "get", "form method");
    const q = form.locator('input#q[type="search"][name="q"]');
    assert.equal(await q.count(), 1, '<input type="search" name="q" id="q"> in the form');
    // Labelled: a <label for="q"> or an enclosing <label>, or aria-label / aria-labelledby.
    const name = await q.evaluate((el) => {
      const byLabel = [...(el.labels ?? [])].map((l) => l.textContent).join(" ");
      const byIds = (el.getAttribute("aria-labelledby") ?? "").split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent ?? "").join(" ");
      return `${byLabel} ${el.getAttribute("aria-label") ?? ""} ${byIds}`;
    });
    assert.ok(name.trim().length > 0, "the search box has no label");
    assert.equal(await form.locator('button[type="submit"]').count(), 1, '<button type="submit">');
    await shot(page, "home.png");
  });

  await t.test("typing the query and Enter lists wcda-134278 with a <mark> highlight", async () => {
    await page.locator("#q").click();
    await page.keyboard.type("38th parallel");
    await Promise.all([page.waitForURL(/\/search\?/), page.keyboard.press("Enter")]);
    await page.locator("ol.hits li.hit").first().waitFor();
    await page.locator("p.total").waitFor();
    await shot(page, "search.png");
    assert.equal(new URL(page.url()).searchParams.get("q"), "38th parallel", "query in the URL");
    const hit = page.locator(`ol.hits li.hit:has(a.hit-title[href$="/documents/${DOC}"])`);
    const titles = await page.locator("ol.hits li.hit a.hit-title").evaluateAll((as) =>
      as.map((a) => a.getAttribute("href")));
    assert.equal(await hit.count(), 1, `${DOC} is not among the hits: ${JSON.stringify(titles)}`);
    const marks = hit.locator("p.snippet mark");
    assert.ok(await marks.count() > 0, `no <mark> in the snippet of ${DOC}`);
    await marks.first().waitFor({ state: "visible" });
    const marked = (await marks.allTextContents()).join(" ");
    assert.match(marked, /38|parallel/i, `the highlights are not the query words: ${marked}`);
  });

  await t.test("clicking the hit opens the document with Russian and English columns", async () => {
    const link = page.locator(`ol.hits li.hit a.hit-title[href$="/documents/${DOC}"]`);
    await Promise.all([page.waitForURL(new RegExp(`/documents/${DOC}$`)), link.click()]);
    assert.match(await page.locator("h1").first().innerText(), /Cable No\. 3355/, "<h1> title");
    assert.equal(await page.locator("div.parallel").count(), 1, '<div class="parallel">');
    assert.ok(await page.locator("div.parallel div.row").count() >= 4, "at least 4 paragraph rows");
    assert.equal(await page.getAttribute(ORIGINAL, "lang"), "ru", "original column lang");
    assert.equal(await page.getAttribute(TRANSLATION, "lang"), "en", "translation column lang");
    assert.match(await page.locator(TRANSLATION).innerText(), /\S/, "first translation paragraph is empty");
  });

  await t.test("at 1280 px the original and the translation sit side by side", async () => {
    await shot(page, "document-wide.png");
    const o = await box(page, ORIGINAL);
    const tr = await box(page, TRANSLATION);
    assert.ok(Math.abs(o.y - tr.y) <= 4,
      `tops differ: original y=${o.y}, translation y=${tr.y}`);
    assert.ok(tr.x >= o.x + o.width - 1,
      `translation (x=${tr.x}) is not right of the original (x=${o.x}, width=${o.width})`);
  });

  await t.test("the citation box names the archive and the translator", async () => {
    const cite = page.locator("section#cite p#citation-chicago.citation");
    assert.equal(await cite.count(), 1, '<p id="citation-chicago" class="citation"> in #cite');
    const text = await cite.innerText();
    assert.ok(text.includes("RGASPI"), `citation lacks RGASPI: ${text}`);
    assert.ok(text.includes("Goldberg"), `citation lacks Goldberg: ${text}`);
    const copy = page.locator('section#cite button[type="button"][data-copy="citation-chicago"]');
    assert.equal(await copy.count(), 1, "Copy button for the Chicago citation");
  });

  await t.test("with JavaScript, Copy puts the Chicago citation on the clipboard", async () => {
    const copy = page.locator('section#cite button[data-copy="citation-chicago"]');
    await copy.waitFor({ state: "visible" });
    await copy.click();
    const want = (await page.locator("#citation-chicago").innerText()).trim();
    await page.waitForFunction(async (text) =>
      (await navigator.clipboard.readText()).trim() === text, want, { polling: 100 })
      .catch(async () => {
        const got = await page.evaluate(() => navigator.clipboard.readText());
        assert.fail(`the clipboard holds ${JSON.stringify(got)}, not the citation ${JSON.stringify(want)}`);
      });
  });

  await t.test("at 360 px the translation stacks below the original, with no horizontal scroll", async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.waitForFunction(() => window.innerWidth === 360);
    await shot(page, "document-narrow.png");
    const o = await box(page, ORIGINAL);
    const tr = await box(page, TRANSLATION);
    assert.ok(tr.y >= o.y + o.height - 1,
      `translation (y=${tr.y}) is not below the original (y=${o.y}, height=${o.height})`);
    const scrollWidth = await page.evaluate(() => document.scrollingElement.scrollWidth);
    if (scrollWidth > 361) {
      const wide = await page.evaluate(() => [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > 361)
        .slice(-3)
        .map((el) => `<${el.tagName.toLowerCase()}${el.id ? ` id="${el.id}"` : ""}` +
          `${el.className ? ` class="${el.className}"` : ""}> ` +
          `(right edge ${Math.round(el.getBoundingClientRect().right)} px): ` +
          `${(el.textContent ?? "").trim().slice(0, 60)}`));
      assert.fail(`the page scrolls sideways at 360 px (scrollWidth ${scrollWidth}); ` +
        `the last elements past its right edge:\n  ${wide.join("\n  ")}`);
    }
  });

  await context.close();
});

test("at 360 px the home and search pages do not scroll sideways either", async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await newPage(context);
  for (const path of ["/", "/search?q=38th+parallel"]) {
    await open(page, path);
    const scrollWidth = await page.evaluate(() => document.scrollingElement.scrollWidth);
    assert.ok(scrollWidth <= 361, `${path} scrolls sideways at 360 px: scrollWidth ${scrollWidth}`);
  }
  await context.close();
});

test("keyboard: the first Tab focuses the skip link, visibly; Enter moves to main", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await newPage(context);
  await open(page, `/documents/${DOC}`);
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return {
      tag: el.tagName.toLowerCase(),
      cls: el.className,
      href: el.getAttribute("href"),
      outlineStyle: s.outlineStyle,
      outlineWidth: s.outlineWidth,
      boxShadow: s.boxShadow,
      box: { x: r.x, y: r.y, width: r.width, height: r.height },
      viewport: { width: innerWidth, height: innerHeight },
    };
  });
  const what = JSON.stringify(focused);
  assert.ok(focused.tag === "a" && /\bskip\b/.test(focused.cls) && focused.href === "#main",
    `first Tab focused something other than the skip link: ${what}`);
  const outline = focused.outlineStyle !== "none" && parseFloat(focused.outlineWidth) > 0;
  const shadow = focused.boxShadow && focused.boxShadow !== "none";
  assert.ok(outline || shadow, `the focused skip link has no visible outline: ${what}`);
  const b = focused.box;
  assert.ok(b.width > 1 && b.height > 1 && b.x >= 0 && b.y >= 0 &&
    b.x + b.width <= focused.viewport.width && b.y + b.height <= focused.viewport.height,
  `the focused skip link is not on screen: ${what}`);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => location.hash === "#main");
  await context.close();
});

test("a paragraph anchor (#p4) lands on that row", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await newPage(context);
  await open(page, `/documents/${DOC}#p4`);
  const target = await page.evaluate(() => document.querySelector(":target")?.id ?? null);
  assert.equal(target, "p4", "the :target element");
  const top = await page.locator("#p4").evaluate((el) => el.getBoundingClientRect().top);
  const height = await page.evaluate(() => innerHeight);
  assert.ok(top >= -1 && top < height, `#p4 is not scrolled into view (top ${top}, viewport ${height})`);
  await context.close();
});

test("without JavaScript the search form still works, and the citation is there", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
  const page = await newPage(context);
  await open(page, "/");
  await page.locator("#q").fill("38th parallel");
  await Promise.all([page.waitForURL(/\/search\?/), page.locator("#q").press("Enter")]);
  await page.locator("ol.hits li.hit").first().waitFor();
  assert.ok(await page.locator("ol.hits li.hit").count() > 0, "no hits without JavaScript");
  await open(page, `/documents/${DOC}`);
  const text = await page.locator("#citation-chicago").innerText();
  assert.ok(text.includes("RGASPI"), `citation without JavaScript lacks RGASPI: ${text}`);
  // A Copy button that cannot work without JavaScript should not be shown then.
  const copy = page.locator('button[data-copy="citation-chicago"]');
  assert.ok(!(await copy.isVisible()), "a Copy button is shown that needs JavaScript, which is off");
  await context.close();
});

test("an unknown document is a 404 HTML page", async () => {
  const context = await browser.newContext();
  const page = await newPage(context);
  const response = await page.goto(`${BASE}/documents/no-such-document`);
  assert.equal(response.status(), 404, "status of /documents/no-such-document");
  assert.match(response.headers()["content-type"] ?? "", /text\/html/, "content type of the 404");
  assert.equal(await page.getAttribute("html", "lang"), "en", "<html lang> of the 404");
  await context.close();
});

test("no page raised a script error", () => {
  assert.deepEqual(pageErrors, [], `script errors:\n${pageErrors.join("\n")}`);
});
