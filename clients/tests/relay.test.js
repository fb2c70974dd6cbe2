// relay-compiler accepts the committed schema.graphql and realistic documents (src/); the server
// runs them by hash only, as trusted documents (CC_TRUSTED_DOCUMENTS_ONLY=1), through a Relay
// environment: @connection pagination, a @refetchable fragment through `node`, a mutation with
// userErrors, and a subscription over GraphQL SSE.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { createClient } from "graphql-sse";
import {
  ConnectionHandler,
  Environment,
  Network,
  Observable,
  RecordSource,
  Store,
  commitLocalUpdate,
  commitMutation,
  fetchQuery,
  requestSubscription,
} from "relay-runtime";
import { COMMAND, startServer, withTimeout } from "./server.js";

const CLIENTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const GENERATED = path.join(CLIENTS, "__generated__");

let server;
let environment;
let sse;
const artifacts = {};

before(async () => {
  // relay-compiler's persisted-output file must exist before it runs.
  mkdirSync(GENERATED, { recursive: true });
  writeFileSync(path.join(GENERATED, "persisted-documents.json"), "{}\n");
  // Throws (the test fails with the compiler's message) if a document does not fit the schema.
  execFileSync(path.join(CLIENTS, "node_modules", ".bin", "relay-compiler"), ["--repersist"], {
    cwd: CLIENTS,
    stdio: "pipe",
  });
  const manifest = path.join(GENERATED, "trusted-documents.json");
  execFileSync(COMMAND, ["trusted-documents", path.join(GENERATED, "persisted-documents.json"), "--output", manifest]);
  for (const name of [
    "FolderListQuery",
    "FolderListPaginationQuery",
    "EmailCardRefetchQuery",
    "CreateDraftMutation",
    "StatusChangedSubscription",
    "TaskListQuery",
    "TaskListPaginationQuery",
  ]) {
    artifacts[name] = (await import(path.join(GENERATED, `relayDocuments${name}.graphql.js`))).default;
  }
  server = await startServer({ CC_TRUSTED_DOCUMENTS: manifest, CC_TRUSTED_DOCUMENTS_ONLY: "1" });
  const authorization = `Bearer ${server.token}`;
  // What a production Relay app sends: the persisted id, never the text.
  const persisted = (params, variables) => ({
    operationName: params.name,
    variables,
    extensions: { persistedQuery: { version: 1, sha256Hash: params.id } },
  });
  sse = createClient({ url: server.graphql, headers: { authorization }, retryAttempts: 0 });
  environment = new Environment({
    network: Network.create(
      async (params, variables) => {
        assert.equal(params.text, null, "persisted artifacts carry no text");
        const response = await fetch(server.graphql, {
          method: "POST",
          headers: { "content-type": "application/json", authorization },
          body: JSON.stringify(persisted(params, variables)),
        });
        return response.json();
      },
      (params, variables) =>
        Observable.create((sink) => sse.subscribe(persisted(params, variables), sink)),
    ),
    store: new Store(new RecordSource()),
  });
});
after(async () => {
  sse?.dispose();
  await server?.stop();
});

function connectionNodeIds() {
  let ids;
  commitLocalUpdate(environment, (store) => {
    const connection = ConnectionHandler.getConnection(store.getRoot(), "relayDocuments_emails", {
      folder: "SENT",
    });
    ids = connection.getLinkedRecords("edges").map((edge) => edge.getLinkedRecord("node").getDataID());
  });
  return ids;
}

function endCursor() {
  let cursor;
  commitLocalUpdate(environment, (store) => {
    const connection = ConnectionHandler.getConnection(store.getRoot(), "relayDocuments_emails", {
      folder: "SENT",
    });
    cursor = connection.getLinkedRecord("pageInfo").getValue("endCursor");
  });
  return cursor;
}

test("the folder list pages forward through its @connection", async () => {
  await fetchQuery(environment, artifacts.FolderListQuery, { folder: "SENT", first: 3 }).toPromise();
  const firstPage = connectionNodeIds();
  assert.equal(firstPage.length, 3);
  await fetchQuery(environment, artifacts.FolderListPaginationQuery, {
    folder: "SENT",
    first: 3,
    after: endCursor(),
  }).toPromise();
  const both = connectionNodeIds();
  assert.equal(both.length, 6, "the second page was appended to the same connection");
  assert.deepEqual(both.slice(0, 3), firstPage);
  assert.equal(new Set(both).size, 6);
});

test("a @refetchable fragment refetches through node(id:)", async () => {
  const [id] = connectionNodeIds();
  // A fresh store: whatever it holds afterwards came through the refetch query.
  const fresh = new Environment({
    network: environment.getNetwork(),
    store: new Store(new RecordSource()),
  });
  const data = await fetchQuery(fresh, artifacts.EmailCardRefetchQuery, { id }).toPromise();
  assert.ok(data.node, "node(id:) resolved the Email");
  const record = fresh.getStore().getSource().get(id);
  assert.equal(record.__typename, "Email");
  assert.equal(record.folder, "SENT");
  assert.ok(Array.isArray(record.availableActions));
});

function taskConnection(env) {
  let ids;
  let pageInfo;
  commitLocalUpdate(env, (store) => {
    const connection = ConnectionHandler.getConnection(store.getRoot(), "relayDocuments_tasks", {
      view: "ALL",
    });
    ids = connection.getLinkedRecords("edges").map((edge) => edge.getLinkedRecord("node").getDataID());
    const info = connection.getLinkedRecord("pageInfo");
    pageInfo = {
      startCursor: info.getValue("startCursor"),
      hasPreviousPage: info.getValue("hasPreviousPage"),
      hasNextPage: info.getValue("hasNextPage"),
    };
  });
  return { ids, pageInfo };
}

test("the task list pages backward through its @connection (last/before)", async () => {
  // The whole list, paged forward in a store of its own: the order to expect.
  const whole = new Environment({ network: environment.getNetwork(), store: new Store(new RecordSource()) });
  await fetchQuery(whole, artifacts.TaskListPaginationQuery, { first: 100 }).toPromise();
  const everything = taskConnection(whole).ids;
  assert.ok(everything.length >= 5, `the demo to-do list has tasks (${everything.length})`);

  await fetchQuery(environment, artifacts.TaskListQuery, { last: 2 }).toPromise();
  const last = taskConnection(environment);
  assert.deepEqual(last.ids, everything.slice(-2));
  assert.equal(last.pageInfo.hasPreviousPage, true);
  assert.equal(last.pageInfo.hasNextPage, false);

  await fetchQuery(environment, artifacts.TaskListPaginationQuery, {
    last: 2,
    before: last.pageInfo.startCursor,
  }).toPromise();
  const both = taskConnection(environment);
  assert.deepEqual(both.ids, everything.slice(-4), "the earlier page was prepended to the connection");
  assert.equal(both.pageInfo.hasPreviousPage, everything.length > 4);
});

function createDraft(input) {
  return new Promise((resolve, reject) => {
    commitMutation(environment, {
      mutation: artifacts.CreateDraftMutation,
      variables: { input },
      onCompleted: (response, errors) => (errors ? reject(errors) : resolve(response)),
      onError: reject,
    });
  });
}

test("a mutation answers its userErrors, typed", async () => {
  const bad = await createDraft({ to: ["not an address"], subject: "Nope" });
  assert.equal(bad.createDraft.email, null);
  assert.deepEqual(
    bad.createDraft.userErrors.map((e) => [e.field, e.code]),
    [["to", "INVALID_EMAIL_ADDRESS"]],
  );
  const good = await createDraft({ to: ["p@example.com"], subject: "From Relay" });
  assert.deepEqual(good.createDraft.userErrors, []);
  assert.equal(environment.getStore().getSource().get(good.createDraft.email.id).subject, "From Relay");
});

test("a subscription's events land in the Relay store", async () => {
  const events = [];
  let resolve;
  const seen = new Promise((r) => (resolve = r));
  const disposable = requestSubscription(environment, {
    subscription: artifacts.StatusChangedSubscription,
    variables: {},
    onNext: (response) => {
      events.push(response);
      if (response.emailStatusChanged.email?.subject === "Relay live") resolve(response);
    },
    onError: (error) => events.push({ error }),
  });
  try {
    for (let i = 0; i < 50 && events.length === 0; i++) {
      await createDraft({ to: ["p@example.com"], subject: "Relay live" });
      await Promise.race([seen, new Promise((r) => setTimeout(r, 200))]);
    }
    const event = await withTimeout(seen, 10_000, "no subscription event");
    assert.equal(event.emailStatusChanged.kind, "CREATED");
    const id = event.emailStatusChanged.email.id;
    assert.equal(environment.getStore().getSource().get(id).status, "DRAFT");
  } finally {
    disposable.dispose();
  }
});

test("on this server, a document outside the manifest is refused", async () => {
  const response = await fetch(server.graphql, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
    body: JSON.stringify({ query: "{ me { email } }" }),
  });
  const body = await response.json();
  assert.equal(body.errors[0].extensions.code, "PERSISTED_QUERY_NOT_ALLOWED");
});
