// urql (@urql/core) with its default exchanges: a query and a mutation answered as JSON even though
// urql's Accept lists text/event-stream, and with fetchSubscriptions a subscription over HTTP.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Client, cacheExchange, fetchExchange, gql } from "@urql/core";
import { pipe, subscribe } from "wonka";
import { CREATE_DRAFT, post, startServer, withTimeout } from "./server.js";

let server;
let client;
const contentTypes = [];

before(async () => {
  server = await startServer();
  client = new Client({
    url: server.graphql,
    exchanges: [cacheExchange, fetchExchange],
    fetchSubscriptions: true,
    fetchOptions: { headers: { authorization: `Bearer ${server.token}` } },
    fetch: async (url, options) => {
      const response = await fetch(url, options);
      contentTypes.push([options.headers.accept, response.headers.get("content-type")]);
      return response;
    },
  });
});
after(async () => {
  await server?.stop();
});

test("a query answers JSON (not 'No Content')", async () => {
  const result = await client
    .query(gql`{ me { email role } folderCounts { sent pending undelivered } }`, {})
    .toPromise();
  assert.equal(result.error, undefined);
  assert.equal(result.data.me.role, "ADMIN");
  assert.ok(result.data.folderCounts.sent > 0);
  const [accept, contentType] = contentTypes.at(-1);
  assert.match(accept, /text\/event-stream/);
  assert.match(contentType, /^application\/graphql-response\+json/);
});

test("a mutation answers JSON with its userErrors", async () => {
  const result = await client
    .mutation(gql(CREATE_DRAFT), { input: { to: ["prospect@example.com"], subject: "From urql" } })
    .toPromise();
  assert.equal(result.error, undefined);
  assert.deepEqual(result.data.createDraft.userErrors, []);
  assert.equal(result.data.createDraft.email.subject, "From urql");
});

test("with fetchSubscriptions, a subscription streams over HTTP", async () => {
  const received = [];
  let resolve;
  const seen = new Promise((r) => (resolve = r));
  const { unsubscribe } = pipe(
    client.subscription(
      gql`subscription { emailStatusChanged { kind email { subject } } }`,
      {},
    ),
    subscribe((result) => {
      received.push(result);
      if (result.data?.emailStatusChanged?.email?.subject === "urql live") resolve(result);
    }),
  );
  try {
    for (let i = 0; i < 50 && received.length === 0; i++) {
      await post(server, CREATE_DRAFT, { input: { to: ["p@example.com"], subject: "urql live" } });
      await Promise.race([seen, new Promise((r) => setTimeout(r, 200))]);
    }
    const event = await withTimeout(seen, 10_000, "no subscription event");
    assert.equal(received[0].error, undefined);
    assert.equal(event.data.emailStatusChanged.kind, "CREATED");
    assert.ok(contentTypes.some(([, type]) => type?.startsWith("text/event-stream")));
  } finally {
    unsubscribe();
  }
});
