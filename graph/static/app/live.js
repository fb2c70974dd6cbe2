// Live updates: one graphql-ws client (graphql-transport-ws at /graphql, the transport every other
// client uses), reconnecting forever with backoff. Subscriptions that can replay (`since:`) resume
// after the last cursor seen, so a dropped connection (laptop sleep, network cut) loses nothing:
// graphql-ws re-sends the *same* payload object when it reconnects, so keeping
// `payload.variables.since` up to date is all a resume needs. Screens whose subscription cannot
// replay listen for `onReconnect` and re-read their data.
import { createClient } from "./vendor/graphql-ws.js";
import { token } from "./api.js";

let client = null;
const statusListeners = new Set();
const reconnectListeners = new Set();
let status = "connecting";

function setStatus(next) {
  status = next;
  for (const listener of statusListeners) listener(next);
}

function ensureClient() {
  if (client) return client;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
  client = createClient({
    url,
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** retries, 4_000))),
    connectionParams: () => ({ Authorization: `Bearer ${token()}` }),
    onNonLazyError: () => {},
  });
  client.on("connecting", () => setStatus("connecting"));
  client.on("connected", (_socket, _payload, wasRetry) => {
    setStatus("live");
    if (wasRetry) for (const listener of reconnectListeners) listener();
  });
  client.on("closed", () => setStatus("offline"));
  return client;
}

export function liveStatus() {
  return status;
}

export function onStatus(listener) {
  statusListeners.add(listener);
  return () => statusListeners.delete(listener);
}

export function onReconnect(listener) {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}

// subscribe(query, variables, onData, { cursorOf }) -> unsubscribe. With `cursorOf(data)`, each
// event's cursor becomes the `since` of the next (re)subscription.
export function subscribe(query, variables, onData, { cursorOf } = {}) {
  const payload = { query, variables: { ...variables } };
  return ensureClient().subscribe(payload, {
    next: ({ data, errors }) => {
      if (errors?.length) console.warn("subscription error", errors);
      if (!data) return;
      const cursor = cursorOf?.(data);
      if (cursor) payload.variables.since = cursor;
      onData(data);
    },
    error: (error) => console.warn("subscription ended", error),
    complete: () => {},
  });
}

export function disconnect() {
  client?.dispose();
  client = null;
  setStatus("offline");
}
