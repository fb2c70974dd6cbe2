// graphql-sse (both its client and its reference parser) and graphql-ws receive emailStatusChanged.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient } from "graphql-ws";
import WebSocket from "ws";
// graphql-sse's own stream parser (the one its client uses; not in the package's exports map).
import { createParser } from "../node_modules/graphql-sse/lib/parser.mjs";
import { CREATE_DRAFT, post, startServer, withTimeout } from "./server.js";

const CHANGES = `subscription { emailStatusChanged { kind newStatus email { id subject } } }`;
let server;

before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

// Subscribe, then create drafts until the subscription reports one (there is no "subscribed"
// acknowledgement in either protocol, so the first draft may be created before it is live).
async function firstChange(subscribe, subject) {
  const received = [];
  let resolve;
  const seen = new Promise((r) => (resolve = r));
  const dispose = subscribe((value) => {
    // Only our drafts: anything else the server does meanwhile is not what we wait for.
    if (value.data?.emailStatusChanged?.email?.subject !== subject) return;
    received.push(value);
    resolve();
  });
  try {
    for (let attempt = 0; received.length === 0 && attempt < 50; attempt++) {
      await post(server, CREATE_DRAFT, { input: { to: ["p@example.com"], subject } });
      await Promise.race([seen, new Promise((r) => setTimeout(r, 200))]);
    }
    await withTimeout(seen, 10_000, "no change received");
    return received[0];
  } finally {
    dispose();
  }
}

test("graphql-sse's client receives emailStatusChanged", async () => {
  const client = createSseClient({
    url: server.graphql,
    headers: { Authorization: `Bearer ${server.token}` },
    retryAttempts: 0,
  });
  const errors = [];
  const value = await firstChange(
    (next) =>
      client.subscribe(
        { query: CHANGES },
        { next, error: (e) => errors.push(e), complete: () => {} },
      ),
    "Over SSE",
  );
  client.dispose();
  assert.deepEqual(errors, []);
  assert.equal(value.data.emailStatusChanged.kind, "CREATED");
  assert.equal(value.data.emailStatusChanged.email.subject, "Over SSE");
});

test("graphql-ws receives emailStatusChanged", async () => {
  const client = createWsClient({
    url: server.graphql.replace("http", "ws"),
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${server.token}` },
    retryAttempts: 0,
  });
  const errors = [];
  const value = await firstChange(
    (next) =>
      client.subscribe(
        { query: CHANGES },
        { next, error: (e) => errors.push(e), complete: () => {} },
      ),
    "Over WebSocket",
  );
  await client.dispose();
  assert.deepEqual(errors, []);
  assert.equal(value.data.emailStatusChanged.email.subject, "Over WebSocket");
});

// What an EventSource-style reader does: split on blank lines, `field: value` lines, LF endings.
test("the raw SSE stream frames events with LF the way EventSource parsers expect", async () => {
  const controller = new AbortController();
  const response = await fetch(server.graphql, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      authorization: `Bearer ${server.token}`,
    },
    body: JSON.stringify({ query: CHANGES }),
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /^text\/event-stream/);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const event = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("stream ended");
      text += value;
      const end = text.indexOf("\n\n");
      if (end >= 0) return text.slice(0, end); // the stream's first event
    }
  })();
  for (let i = 0; i < 50 && !text.includes("\n\n"); i++) {
    await post(server, CREATE_DRAFT, { input: { to: ["p@example.com"], subject: "Raw" } });
    await Promise.race([event, new Promise((r) => setTimeout(r, 200))]);
  }
  const block = await withTimeout(event, 10_000, "no event");
  controller.abort();
  assert.ok(!text.includes("\r"), "no CR in the stream");
  const fields = Object.fromEntries(
    block.split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]),
  );
  assert.equal(fields.event, "next");
  assert.equal(JSON.parse(fields.data).data.emailStatusChanged.kind, "CREATED");

  // graphql-sse's reference parser reads the same bytes, however the network splits them.
  const bytes = new TextEncoder().encode(`${text.slice(0, text.indexOf("\n\n") + 2)}: ping\n\n`);
  for (const size of [1, 7, bytes.length]) {
    const parse = createParser();
    const messages = [];
    for (let i = 0; i < bytes.length; i += size) messages.push(...(parse(bytes.subarray(i, i + size)) || []));
    assert.equal(messages.length, 1, `chunks of ${size}`);
    assert.equal(messages[0].event, "next");
    assert.equal(messages[0].data.data.emailStatusChanged.kind, "CREATED"); // parsed by it
  }
});
