// What the web app's browser tests share (app.test.js, app-emails.test.js): a real
// `command-center serve` (its own SQLite database, seeded with the demo team; the inbound SMTP
// listener on a free port) reached through a TCP proxy the test can cut, and Debian's headless
// Chromium whose every request to a non-loopback host is refused and recorded, with its console
// errors. Helpers wait on conditions (never on time) and keep screenshots in test-artifacts/app/;
// inbound mail is injected over SMTP (a reply, or a delivery report to an email's signed return
// path); controlsWithoutNames reads Chromium's accessibility tree.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { freePort, startServer } from "./server.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SHOTS = path.join(ROOT, "test-artifacts", "app");
const CHROMIUM = process.env.CC_CHROMIUM || "/usr/bin/chromium";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
export const WAIT = 20_000;

// A TCP proxy between Chromium and the server: cut() drops every connection and refuses new ones
// (what a laptop sleep or a lost Wi-Fi does to the WebSocket), restore() lets them through again.
export async function startProxy(target) {
  const port = await freePort();
  const sockets = new Set();
  let cut = false;
  const listener = createServer((client) => {
    if (cut) return client.destroy();
    const upstream = connect(target, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise((resolve) => listener.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      cut = false;
    },
    close: () => new Promise((resolve) => listener.close(resolve)),
  };
}

// A plain SMTP client: deliver one raw message to the inbound listener (`from` "" = null sender).
export function smtpSend(port, from, to, message) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const script = [`EHLO test.example`, `MAIL FROM:<${from}>`, `RCPT TO:<${to}>`, "DATA", `${message}\r\n.`, "QUIT"];
    let buffer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      buffer += chunk;
      // Answer each complete reply (last line "NNN text") with the next command.
      while (/^\d{3} .*\r\n/m.test(buffer)) {
        const match = buffer.match(/^(\d{3}) .*\r\n/m);
        const code = Number(match[1]);
        buffer = buffer.slice(match.index + match[0].length);
        if (code >= 400) return reject(new Error(`SMTP refused: ${match[0]}`));
        const next = script.shift();
        if (next === undefined) return resolve(socket.end());
        socket.write(`${next}\r\n`);
      }
    });
    socket.on("error", reject);
  });
}

// The .eml the file transport wrote for an email, and the return path its MAIL FROM had.
export function returnPathOf(server, secret, messageId) {
  const dir = path.join(server.dir, "mail");
  const bare = messageId.replace(/[<>]/g, "");
  const file = readdirSync(dir).find((name) => readFileSync(path.join(dir, name), "latin1").includes(bare));
  const number = readFileSync(path.join(dir, file), "latin1").match(/^X-CC-Token: (\d+)-/m)[1];
  const mac = createHmac("sha256", secret).update(`verp:${number}`).digest("hex").slice(0, 20);
  return `bounce+${number}-${mac}@command-center.local`;
}

// A permanent-failure delivery status notification (RFC 3464) about our message, as the
// recipient's MTA sends it to the return path (from the null sender).
export function deliveryReport(recipient, returnPath, messageId) {
  const stamp = Date.now();
  const boundary = `dsn-${stamp}`;
  return [
    "From: Mail Delivery System <MAILER-DAEMON@mx.prospect.example>",
    `To: <${returnPath}>`,
    "Subject: Undelivered Mail Returned to Sender",
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <dsn-${stamp}@mx.prospect.example>`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain",
    "",
    `<${recipient}>: host mx.prospect.example said: 550 5.1.1 User unknown`,
    `--${boundary}`,
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.prospect.example",
    "",
    `Final-Recipient: rfc822; ${recipient}`,
    "Action: failed",
    "Status: 5.1.1",
    `Diagnostic-Code: smtp; 550 5.1.1 <${recipient}>: User unknown`,
    `--${boundary}`,
    "Content-Type: text/rfc822-headers",
    "",
    `Message-ID: ${messageId}`,
    `--${boundary}--`,
  ].join("\r\n");
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  // Network off: no name resolves, so nothing can leave the machine even if we missed it.
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

// Serve, proxy, Chromium and one page; `env` adds settings of the server, `timezoneId` sets the
// browser's time zone (else this machine's).
export async function openApp({ env = {}, timezoneId } = {}) {
  assert.ok(existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM} (apt-get install chromium)`);
  mkdirSync(SHOTS, { recursive: true });
  const inboundPort = await freePort();
  const server = await startServer({ CC_INBOUND_SMTP_PORT: String(inboundPort), ...env });
  const proxy = await startProxy(Number(new URL(server.url).port));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, ...(timezoneId ? { timezoneId } : {}) });
  const offHost = []; // every request or socket to a non-loopback host
  const problems = []; // console errors and page errors
  const trail = []; // what the app's WebSockets did, shown when waiting for "live" times out
  const frameListeners = new Set(); // onFrame(listener): every message the app's WebSockets receive
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || LOOPBACK.has(url.hostname)) return route.continue();
    offHost.push(url.href);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("websocket", (socket) => {
    if (!LOOPBACK.has(new URL(socket.url()).hostname)) offHost.push(socket.url());
  });
  page.on("request", (request) => {
    if (!LOOPBACK.has(new URL(request.url()).hostname)) offHost.push(request.url());
  });
  page.on("websocket", (socket) => {
    const started = Date.now();
    trail.push(`${Date.now()} open ${socket.url()}`);
    socket.on("framereceived", ({ payload }) => {
      trail.push(`${Date.now() - started}ms < ${String(payload).slice(0, 80)}`);
      for (const listener of frameListeners) listener(String(payload));
    });
    socket.on("close", () => trail.push(`${Date.now() - started}ms closed`));
    socket.on("socketerror", (error) => trail.push(`${Date.now() - started}ms error ${error}`));
  });
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  page.on("pageerror", (error) => problems.push(String(error)));

  const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  async function waitUntil(check, what, ms = WAIT) {
    const deadline = Date.now() + ms;
    let last;
    while (Date.now() < deadline) {
      last = await check();
      if (last) return last;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await shot("timed-out");
    throw new Error(`timed out: ${what} (last: ${JSON.stringify(last)}; screenshot timed-out.png)`);
  }
  return {
    server,
    proxy,
    browser,
    context,
    page,
    inboundPort,
    offHost,
    problems,
    trail,
    shot,
    waitUntil,
    live: () =>
      page.locator('[data-live="live"]').waitFor({ timeout: WAIT }).catch((error) => {
        throw new Error(`${error.message}\n${trail.slice(-30).join("\n")}`);
      }),
    go: (hash) => page.evaluate((h) => (location.hash = h), hash),
    onFrame(listener) {
      frameListeners.add(listener);
      return () => frameListeners.delete(listener);
    },
    async close() {
      await browser.close();
      await proxy.close();
      await server.stop();
    },
  };
}

// Every control Chromium's accessibility tree holds on the page without an accessible name (as
// screen readers get it: labels, aria-label, text), described by tag and attributes. [] = all named.
const CONTROLS = new Set([
  "button", "link", "textbox", "searchbox", "combobox", "listbox", "checkbox", "radio", "spinbutton",
  "slider", "switch", "tab", "menuitem", "Date", "DateTime", "InputTime",
]);
export async function unnamedControls(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = await cdp.send("Accessibility.getFullAXTree");
    const controls = nodes.filter((node) => !node.ignored && CONTROLS.has(node.role?.value));
    assert.ok(controls.length > 0, "the accessibility tree has controls");
    const unnamed = controls.filter((node) => !String(node.name?.value ?? "").trim());
    return Promise.all(
      unnamed.map(async (node) => {
        const { node: dom } = await cdp.send("DOM.describeNode", { backendNodeId: node.backendDOMNodeId });
        return `${node.role.value} <${dom.localName} ${(dom.attributes || []).join(" ")}>`;
      }),
    );
  } finally {
    await cdp.detach();
  }
}

// At this width nothing sticks out sideways (the page scrolls only vertically) and every control
// is on screen, reachable without scrolling sideways.
export async function fitsTheWidth(page, name) {
  const sizes = await page.evaluate(() => ({
    width: document.scrollingElement.scrollWidth,
    inner: innerWidth,
    wider: [...document.querySelectorAll("#app *")]
      .filter((el) => el.getBoundingClientRect().right > innerWidth)
      .map((el) => `${el.tagName}.${el.className}`)
      .slice(0, 5),
  }));
  assert.ok(sizes.width <= sizes.inner, `${name}: no horizontal overflow (${JSON.stringify(sizes)})`);
  const outside = await page.evaluate(() =>
    [...document.querySelectorAll("#app input, #app select, #app textarea, #app button, #app a")]
      .filter((el) => el.getClientRects().length && !el.closest(".visually-hidden, [hidden]"))
      .filter((el) => { const box = el.getBoundingClientRect(); return box.left < 0 || box.right > innerWidth; })
      .map((el) => el.outerHTML.slice(0, 100)),
  );
  assert.deepEqual(outside, [], `${name}: controls outside the screen`);
}

// The prospect opens `email`: its tracking pixel, as the mail went out (the captured .eml).
export async function openTrackingPixel(server, email, waitUntil) {
  const bare = email.messageId.replace(/[<>]/g, "");
  const mailDir = path.join(server.dir, "mail");
  const file = await waitUntil(
    () => readdirSync(mailDir).find((name) => readFileSync(path.join(mailDir, name), "latin1").includes(bare)),
    "the sent .eml",
  );
  const raw = readFileSync(path.join(mailDir, file), "latin1").replace(/=\r?\n/g, "").replace(/=3D/gi, "=");
  const pixel = raw.match(/https?:\/\/[^"'\s]+\/t\/o\/[^"'\s]+\.gif/)[0];
  const opened = await fetch(pixel, { headers: { "user-agent": "Mozilla/5.0 (prospect)" } });
  assert.equal(opened.status, 200);
}
