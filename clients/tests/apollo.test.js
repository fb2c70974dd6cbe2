// Apollo Client 4 with its default HTTP link and the persisted-query link: a query, fetchMore,
// mutations (with userErrors), and a multipart HTTP subscription whose events update the cache.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { relayStylePagination } from "@apollo/client/utilities";
import { SEND_NOW, post, startServer, withTimeout } from "./server.js";

let server;
let client;
const requests = [];

before(async () => {
  server = await startServer();
  // Wrap fetch to see what went over the wire (method, hash-only or with the query).
  const recordingFetch = async (url, options) => {
    const body = options.body ? JSON.parse(options.body) : null;
    const query = new URL(url).searchParams;
    const response = await fetch(url, options);
    requests.push({
      method: options.method,
      hashOnly: options.method === "GET" ? !query.has("query") : !body?.query,
      status: response.status,
      contentType: response.headers.get("content-type"),
    });
    return response;
  };
  client = new ApolloClient({
    link: ApolloLink.from([
      new PersistedQueryLink({
        sha256: (text) => createHash("sha256").update(text).digest("hex"),
        useGETForHashedQueries: true,
      }),
      new HttpLink({
        uri: server.graphql,
        headers: { authorization: `Bearer ${server.token}` },
        fetch: recordingFetch,
      }),
    ]),
    cache: new InMemoryCache({
      typePolicies: { Query: { fields: { emails: relayStylePagination(["folder"]) } } },
    }),
  });
});
after(async () => {
  client?.stop();
  await server?.stop();
});

const EMAILS = gql`
  query SentEmails($after: String) {
    emails(folder: SENT, first: 3, after: $after) {
      totalCount
      edges { cursor node { id subject status } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

test("a persisted query (hash first, then registered) and fetchMore merging pages", async () => {
  const first = await client.query({ query: EMAILS });
  assert.equal(first.data.emails.edges.length, 3);
  assert.ok(first.data.emails.totalCount > 3);
  // APQ: a GET with the hash alone was unknown, then a POST carried the query and ran.
  assert.deepEqual(
    requests.slice(0, 2).map(({ method, hashOnly }) => [method, hashOnly]),
    [["GET", true], ["POST", false]],
  );

  const watcher = client.watchQuery({ query: EMAILS });
  const more = await watcher.fetchMore({ variables: { after: first.data.emails.pageInfo.endCursor } });
  assert.equal(more.data.emails.edges.length, 3);
  const merged = client.readQuery({ query: EMAILS });
  assert.equal(merged.emails.edges.length, 6);
  const ids = merged.emails.edges.map((edge) => edge.node.id);
  assert.equal(new Set(ids).size, 6, "pages do not overlap");
  // The next page's query was already registered: sent as a hash-only GET and answered.
  const last = requests.at(-1);
  assert.deepEqual([last.method, last.hashOnly, last.status], ["GET", true, 200]);
});

const CREATE = gql`
  mutation Create($input: CreateDraftInput!) {
    createDraft(input: $input) {
      email { id subject status }
      userErrors { field message code }
    }
  }
`;

test("mutations: a draft is created, a bad address is a typed userError", async () => {
  const ok = await client.mutate({
    mutation: CREATE,
    variables: { input: { to: ["prospect@example.com"], subject: "From Apollo" } },
  });
  assert.deepEqual(ok.data.createDraft.userErrors, []);
  assert.equal(ok.data.createDraft.email.status, "DRAFT");
  const bad = await client.mutate({
    mutation: CREATE,
    variables: { input: { to: ["not an address"], subject: "Nope" } },
  });
  assert.equal(bad.data.createDraft.email, null);
  assert.equal(bad.data.createDraft.userErrors[0].code, "INVALID_EMAIL_ADDRESS");
});

test("a multipart subscription's events update the normalised cache", async () => {
  const { data } = await client.mutate({
    mutation: CREATE,
    variables: { input: { to: ["prospect@example.com"], subject: "Watch me" } },
  });
  const email = data.createDraft.email;
  const fragment = gql`fragment Status on Email { id status }`;
  const id = client.cache.identify({ __typename: "Email", id: email.id });
  assert.equal(client.readFragment({ id, fragment }).status, "DRAFT");

  const events = [];
  let notify;
  const observable = client.subscribe({
    query: gql`subscription { emailStatusChanged { cursor newStatus email { id status } } }`,
  });
  const subscription = observable.subscribe({
    next: (result) => {
      events.push(result);
      notify?.();
    },
    error: (error) => events.push({ error }),
  });
  try {
    // Wait until the stream is open (the server's first multipart heartbeat has no data, so
    // probe by creating drafts until one is reported), then schedule our draft.
    for (let i = 0; i < 50 && events.length === 0; i++) {
      await post(server, "mutation { createDraft(input: {to: [\"x@example.com\"]}) { userErrors { code } } }");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(events.length > 0 && !events[0].error, JSON.stringify(events[0]));
    const scheduled = new Promise((resolve) => {
      notify = () => {
        const mine = events.filter((e) => e.data?.emailStatusChanged?.email?.id === email.id);
        if (mine.length) resolve(mine.at(-1));
      };
    });
    await post(server, SEND_NOW, { id: email.id });
    const event = await withTimeout(scheduled, 10_000, "no event for the scheduled email");
    assert.notEqual(event.data.emailStatusChanged.newStatus, "DRAFT");
    // The event's email object was written into the cache: the draft is no longer a draft there.
    assert.notEqual(client.readFragment({ id, fragment }).status, "DRAFT");
    // It came over Apollo's multipart HTTP subscription protocol.
    assert.ok(requests.some((r) => r.contentType?.startsWith("multipart/mixed")));
  } finally {
    subscription.unsubscribe();
  }
});

test("folder counts pushed by a subscription update the cached query's counts (same id)", async () => {
  const COUNTS = gql`query Counts { folderCounts { id drafts total } }`;
  const { data } = await client.query({ query: COUNTS, fetchPolicy: "network-only" });
  const before = data.folderCounts;
  assert.ok(before.id, "FolderCounts has an id");
  assert.ok(client.cache.identify(before), "cached as its own normalised object");

  const events = [];
  let notify;
  const subscription = client
    .subscribe({ query: gql`subscription { folderCountsChanged { id drafts total } }` })
    .subscribe({
      next: (result) => {
        events.push(result);
        notify?.();
      },
      error: (error) => events.push({ error }),
    });
  try {
    // The stream starts with the counts as they are; once it is open, add a draft elsewhere
    // (a plain POST, not through this client, so only the subscription can tell the cache).
    for (let i = 0; i < 50 && events.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(events.length > 0 && !events[0].error, JSON.stringify(events[0]));
    assert.equal(events[0].data.folderCountsChanged.id, before.id, "query and subscription agree");
    const grown = new Promise((resolve) => {
      notify = () => {
        const last = events.at(-1).data?.folderCountsChanged;
        if (last && last.drafts === before.drafts + 1) resolve(last);
      };
    });
    await post(server, 'mutation { createDraft(input: {to: ["counts@example.com"]}) { userErrors { code } } }');
    await withTimeout(grown, 10_000, "no counts update for the new draft");
    // No refetch: the query's answer, read from the cache only, already has the new counts.
    const cached = client.readQuery({ query: COUNTS });
    assert.equal(cached.folderCounts.drafts, before.drafts + 1);
    assert.equal(cached.folderCounts.total, before.total + 1);
  } finally {
    subscription.unsubscribe();
  }
});
