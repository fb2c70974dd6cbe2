// State shared by the screens and kept current by one subscription each, opened at sign-in: folder
// counts, task counts, and the streams of email changes, engagement (`activity`) and task changes
// that screens listen to. A screen's listener is in place before its first read of the data comes
// back, so nothing that happens after the read is missed; a subscription a screen opened itself
// would start on the server at some point after its read, and miss what happened in between.
import { EMAIL_ACTIVITY, EMAIL_CHANGES, FOLDER_COUNTS_CHANGED, TASK_CHANGED, TASK_COUNTS_CHANGED } from "./documents.js";
import { subscribe } from "./live.js";
import { useExternal } from "./ui.js";

function store(initial) {
  let value = initial;
  const listeners = new Set();
  return {
    get: () => value,
    set(next) {
      value = next;
      for (const listener of listeners) listener(next);
    },
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export const folderCounts = store(null);
export const taskCounts = store(null);
const emailChangeListeners = new Set();
const activityListeners = new Set();
const taskChangeListeners = new Set();
let stops = [];

function tell(listeners, value) {
  for (const listener of listeners) listener(value);
}

export function start() {
  stop();
  stops = [
    subscribe(FOLDER_COUNTS_CHANGED, {}, (data) => folderCounts.set(data.folderCountsChanged)),
    subscribe(TASK_COUNTS_CHANGED, {}, (data) => taskCounts.set(data.taskCountsChanged)),
    subscribe(
      EMAIL_CHANGES,
      {},
      (data) => tell(emailChangeListeners, data.emailStatusChanged),
      { cursorOf: (data) => data.emailStatusChanged.cursor },
    ),
    subscribe(EMAIL_ACTIVITY, {}, (data) => tell(activityListeners, data.activity)),
    subscribe(TASK_CHANGED, {}, (data) => tell(taskChangeListeners, data.taskChanged)),
  ];
}

export function stop() {
  for (const unsubscribe of stops) unsubscribe();
  stops = [];
  folderCounts.set(null);
  taskCounts.set(null);
}

export function onEmailChange(listener) {
  emailChangeListeners.add(listener);
  return () => emailChangeListeners.delete(listener);
}

// Opens, clicks, replies, bounces… of visible emails (machine ones included).
export function onActivity(listener) {
  activityListeners.add(listener);
  return () => activityListeners.delete(listener);
}

export function onTaskChange(listener) {
  taskChangeListeners.add(listener);
  return () => taskChangeListeners.delete(listener);
}

export function useStore(which) {
  return useExternal(which.get, which.listen);
}
