// State shared by the screens and kept current by one subscription each: folder counts, task
// counts and the stream of email changes (every screen that shows emails listens to the same one).
import { EMAIL_CHANGES, FOLDER_COUNTS_CHANGED, TASK_COUNTS_CHANGED } from "./documents.js";
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
let stops = [];

export function start() {
  stop();
  stops = [
    subscribe(FOLDER_COUNTS_CHANGED, {}, (data) => folderCounts.set(data.folderCountsChanged)),
    subscribe(TASK_COUNTS_CHANGED, {}, (data) => taskCounts.set(data.taskCountsChanged)),
    subscribe(
      EMAIL_CHANGES,
      {},
      (data) => {
        for (const listener of emailChangeListeners) listener(data.emailStatusChanged);
      },
      { cursorOf: (data) => data.emailStatusChanged.cursor },
    ),
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

export function useStore(which) {
  return useExternal(which.get, which.listen);
}
