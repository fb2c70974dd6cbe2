// A real headless Chromium (Debian's, never a downloaded one) with the network off: GraphiQL
// renders from this server's own files, signs in from the URL fragment, runs the README's first
// query, lists `Query` in Docs, runs a subscription; a page on an allowed origin can query and subscribe, another can't.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "./app-harness.js";
import { CREATE_DRAFT, freePort, post, startServer, withTimeout } from "./server.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const ARTIFACTS = path.join(ROOT, "test-artifacts");
const CHROMIUM = process.env.CC_CHROMIUM || "/usr/bin/chromium";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

let server;
let context;
let profile;
const pages = [];
const offHost = []; // every request or socket to a non-loopback host
const start = async (port) => {
  const html = `<!doctype html><title>app</title><script>window.ready = true;</script>`;
  const site = createServer((_, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end(html);
  });
  await new Promise((resolve) => site.listen(port, "127.0.0.1", resolve));
  pages.push(site);
  return `http://127.0.0.1:${port}`;
};
let allowedOrigin;
let otherOrigin;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM} (apt-get install chromium)`);
  allowedOrigin = await start(await freePort());
  otherOrigin = await start(await freePort());
  server = await startServer({ CC_CORS_ORIGINS: allowedOrigin });
  profile = mkdtempSync(path.join(tmpdir(), "cc-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", ...CHROMIUM_ARGS],
  });
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || LOOPBACK.has(url.hostname)) return route.continue();
    offHost.push(url.href);
    return route.abort();
  });
  context.on("page", (page) =>
    page.on("websocket", (socket) => {
      if (!LOOPBACK.has(new URL(socket.url()).hostname)) offHost.push(socket.url());
    }),
  );
});
after(async () => {
  await context?.close();
  for (const site of pages) site.close();
  await server?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test("GraphiQL renders offline, signed in from the fragment, runs the README query", async () => {
  assert.match(server.signedInUrl, /\/graphql#token=cc_/);
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  page.on("pageerror", (error) => problems.push(String(error)));
  const sent = [];
  page.on("request", (request) => {
    if (request.url().startsWith(server.graphql) && request.method() === "POST") {
      sent.push({ url: request.url(), authorization: request.headers().authorization });
    }
  });
  await page.goto(server.signedInUrl);
  await page.waitForSelector(".graphiql-container .graphiql-execute-button", { timeout: 30_000 });
  // The token left the address bar; the server never saw it in a URL.
  assert.equal(new URL(page.url()).hash, "");
  assert.ok(sent.every((r) => !r.url.includes(server.token)));

  await page.click(".graphiql-execute-button");
  await page.locator(".graphiql-response").getByText('"Demo Sales"').waitFor({ timeout: 30_000 });
  // CodeMirror draws only the visible lines: read the whole result from its editor.
  const shown = JSON.parse(
    await page.evaluate(() => document.querySelector(".graphiql-response .CodeMirror").CodeMirror.getValue()),
  );
  assert.equal(shown.errors, undefined);
  assert.equal(shown.data.me.team.name, "Demo Sales");
  assert.ok(shown.data.folderCounts.sent > 0);
  assert.equal(shown.data.emails.edges.length, 5);
  assert.ok(shown.data.emails.totalCount >= 5);
  // Introspection and the query both carried the token from the fragment.
  assert.ok(sent.length >= 2);
  assert.ok(sent.every((r) => r.authorization === `Bearer ${server.token}`), JSON.stringify(sent));

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, "graphiql.png") });

  await page.click('button[aria-label="Show Documentation Explorer"]');
  const docs = page.locator(".graphiql-doc-explorer");
  await docs.getByText("Query", { exact: true }).first().waitFor({ timeout: 15_000 });
  await page.screenshot({ path: path.join(ARTIFACTS, "graphiql-docs.png") });

  // A subscription typed in GraphiQL runs over its WebSocket, signed in the same way.
  await page.evaluate(() =>
    document
      .querySelector(".graphiql-query-editor .CodeMirror")
      .CodeMirror.setValue("subscription { emailStatusChanged { kind email { subject } } }"),
  );
  await page.waitForTimeout(500); // GraphiQL re-parses the editor's document after a pause
  await page.click(".graphiql-execute-button");
  const shownEvent = async () =>
    page.evaluate(() => document.querySelector(".graphiql-response .CodeMirror").CodeMirror.getValue());
  await withTimeout(
    (async () => {
      while (!(await shownEvent()).includes("In GraphiQL")) {
        await post(server, CREATE_DRAFT, { input: { to: ["p@example.com"], subject: "In GraphiQL" } });
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })(),
    15_000,
    "GraphiQL showed no subscription event",
  );
  assert.equal(JSON.parse(await shownEvent()).data.emailStatusChanged.kind, "CREATED");

  assert.deepEqual(problems, []);
  assert.deepEqual(offHost, []);
  await page.close();
});

// In the page: a CORS POST with Authorization, and a graphql-transport-ws subscription.
async function tryFromPage(origin) {
  const page = await context.newPage();
  await page.goto(origin);
  const result = await page.evaluate(
    async ({ graphql, token }) => {
      const out = {};
      try {
        const response = await fetch(graphql, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: "{ me { team { name } } }" }),
        });
        out.query = (await response.json()).data.me.team.name;
      } catch (error) {
        out.queryError = String(error);
      }
      window.events = [];
      const socket = new WebSocket(graphql.replace("http", "ws"), "graphql-transport-ws");
      socket.onopen = () =>
        socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${token}` } }));
      socket.onmessage = (message) => {
        const data = JSON.parse(message.data);
        if (data.type === "connection_ack") {
          socket.send(
            JSON.stringify({
              id: "1",
              type: "subscribe",
              payload: { query: "subscription { emailStatusChanged { kind email { subject } } }" },
            }),
          );
          window.subscribed = true;
        } else if (data.type === "next") window.events.push(data.payload.data.emailStatusChanged);
      };
      await new Promise((resolve) => {
        socket.onclose = () => resolve((out.socketClosed = true));
        socket.onerror = () => resolve((out.socketError = true));
        const check = setInterval(() => window.subscribed && resolve(clearInterval(check)), 20);
      });
      return out;
    },
    { graphql: server.graphql, token: server.token },
  );
  return { page, result };
}

test("a page on an allowed origin can query and subscribe", async () => {
  const { page, result } = await tryFromPage(allowedOrigin);
  assert.equal(result.query, "Demo Sales");
  assert.equal(result.socketError, undefined);
  const subject = "Seen by the browser";
  await withTimeout(
    (async () => {
      const seen = (wanted) => window.events.some((event) => event.email?.subject === wanted);
      while (!(await page.evaluate(seen, subject))) {
        await post(server, CREATE_DRAFT, { input: { to: ["p@example.com"], subject } });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })(),
    15_000,
    "no subscription event in the page",
  );
  const events = await page.evaluate(() => window.events);
  assert.deepEqual(
    events.find((event) => event.email?.subject === subject),
    { kind: "CREATED", email: { subject } },
  );
  await page.close();
});

test("a page on another origin cannot", async () => {
  const { page, result } = await tryFromPage(otherOrigin);
  assert.equal(result.query, undefined);
  assert.match(result.queryError, /Failed to fetch/);
  assert.ok(result.socketError || result.socketClosed, JSON.stringify(result));
  assert.equal(await page.evaluate(() => window.subscribed === true), false);
  await page.close();
  assert.deepEqual(offHost, []);
});
