// Tasks: TODAY / OVERDUE / UPCOMING / COMPLETED with live counts (taskCountsChanged); complete,
// skip or snooze (until tomorrow morning) a task. The list re-reads on every task change.
import { request } from "../api.js";
import { COMPLETE_TASK, SKIP_TASK, SNOOZE_TASK, TASK_CHANGED, TASKS } from "../documents.js";
import { onReconnect, subscribe } from "../live.js";
import { taskCounts, useStore } from "../stores.js";
import { Count, FormErrors, formatTime, html, label, Problem, useLoad } from "../ui.js";
import { useEffect, useState } from "../vendor/preact-htm.js";

const VIEWS = ["TODAY", "OVERDUE", "UPCOMING", "COMPLETED"];

function tomorrowMorning() {
  const date = new Date();
  date.setDate(date.getDate() + 1);
  date.setHours(9, 0, 0, 0);
  return date.toISOString();
}

export function Tasks({ view }) {
  const counts = useStore(taskCounts);
  const list = useLoad(() => request(TASKS, { view }), [view]);
  const [errors, setErrors] = useState([]);
  const [gone, setGone] = useState(new Set());
  useEffect(() => {
    const stops = [subscribe(TASK_CHANGED, {}, () => list.reload()), onReconnect(() => list.reload())];
    return () => stops.forEach((stop) => stop());
  }, [view]);
  useEffect(() => setGone(new Set()), [list.data]);

  // Optimistic: the row leaves the open list at once and comes back if the server refuses.
  const act = async (document, field, input) => {
    setErrors([]);
    setGone((old) => new Set([...old, input.id]));
    try {
      const result = (await request(document, { input }))[field];
      if (result.userErrors.length) throw result.userErrors;
      list.reload();
    } catch (problem) {
      setGone((old) => new Set([...old].filter((id) => id !== input.id)));
      setErrors(Array.isArray(problem) ? problem : [{ message: String(problem.message), code: "REQUEST_FAILED" }]);
    }
  };

  const tasks = (list.data?.tasks.nodes || []).filter((task) => !gone.has(task.id));
  return html`<section aria-labelledby="tasks-title">
    <h1 id="tasks-title" class="visually-hidden">Tasks</h1>
    <nav class="tabs" aria-label="Task views">
      ${VIEWS.map(
        (v) => html`<a href=${`#/tasks/${v}`} aria-current=${v === view ? "page" : null} data-view=${v}>
          ${label(v)} <${Count} name=${`tasks-${v.toLowerCase()}`} value=${counts?.[v.toLowerCase()]} /></a>`,
      )}
    </nav>
    <${Problem} error=${list.error} />
    <${FormErrors} errors=${errors} />
    <ul class="rows" aria-label="Tasks">
      ${tasks.map(
        (task) => html`<li class="row task" key=${task.id} data-task=${task.id}>
          <span class="subject">${task.title}</span>
          <span class="meta">${label(task.type)} · ${label(task.priority)} · due ${formatTime(task.dueAt)}
            ${task.person ? ` · ${task.person.fullName}` : ""}${task.snoozed ? " · snoozed" : ""}</span>
          ${task.status === "OPEN"
            ? html`<span class="actions" role="group" aria-label=${`Actions for ${task.title}`}>
                <button type="button" data-action="complete" onClick=${() => act(COMPLETE_TASK, "completeTask", { id: task.id })}>Complete</button>
                <button type="button" data-action="skip" onClick=${() => act(SKIP_TASK, "skipTask", { id: task.id })}>Skip</button>
                <button type="button" data-action="snooze" onClick=${() => act(SNOOZE_TASK, "snoozeTask", { id: task.id, until: tomorrowMorning() })}>Snooze</button>
              </span>`
            : html`<span class="badge">${label(task.status)}</span>`}
        </li>`,
      )}
    </ul>
    ${list.data && !tasks.length ? html`<p class="empty">Nothing here.</p>` : null}
  </section>`;
}
