// Tasks: TODAY / OVERDUE / UPCOMING / COMPLETED with live counts (taskCountsChanged); complete,
// skip or snooze (until 9:00 on a chosen day) a task. The list re-reads on every task change, so
// what another client does shows here too. Keyboard: every action is a button; the snooze form
// takes the focus when it opens (Escape closes it) and, when a row leaves, the focus goes to the
// next row's first action instead of getting lost.
import { request } from "../api.js";
import { COMPLETE_TASK, SKIP_TASK, SNOOZE_TASK, TASKS } from "../documents.js";
import { onReconnect } from "../live.js";
import { onTaskChange, taskCounts, useStore } from "../stores.js";
import { Count, FieldErrors, FormErrors, formatTime, html, label, Problem, useLoad } from "../ui.js";
import { useEffect, useLayoutEffect, useRef, useState } from "../vendor/preact-htm.js";

const VIEWS = ["TODAY", "OVERDUE", "UPCOMING", "COMPLETED"];

// A day as the date input writes it (YYYY-MM-DD), in this browser's time zone.
function localDay(offset) {
  const date = new Date();
  date.setDate(date.getDate() + offset);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// 9:00 on that day, this browser's time: the task comes back (due) then.
const snoozeInstant = (day) => new Date(`${day}T09:00:00`);

function SnoozeForm({ task, errors, onSnooze, onCancel }) {
  const [day, setDay] = useState(localDay(1));
  const input = useRef(null);
  useLayoutEffect(() => input.current?.focus(), []);
  return html`<form class="snooze" aria-label=${`Snooze ${task.title}`}
    onSubmit=${(event) => (event.preventDefault(), onSnooze(day))}
    onKeyDown=${(event) => event.key === "Escape" && onCancel()}>
    <label>Snooze until <input ref=${input} type="date" name="until" required min=${localDay(1)} value=${day}
      onInput=${(event) => setDay(event.target.value)} /></label>
    <button type="submit" class="primary">Snooze</button>
    <button type="button" onClick=${onCancel}>Cancel</button>
    <${FieldErrors} errors=${errors} field="until" />
  </form>`;
}

function TaskRow({ task, snoozing, errors, act, setSnoozing }) {
  const open = task.status === "OPEN";
  // The snooze form closed without snoozing (Cancel, Escape): the focus goes back to its button.
  const opener = useRef(null);
  const wasSnoozing = useRef(false);
  useLayoutEffect(() => {
    if (wasSnoozing.current && !snoozing && document.activeElement === document.body) opener.current?.focus();
    wasSnoozing.current = snoozing;
  }, [snoozing]);
  return html`<li class="row task" data-task=${task.id}>
    <span class="subject">${task.title}</span>
    <span class="meta">${label(task.type)} · ${label(task.priority)} · due ${formatTime(task.dueAt)}
      ${task.person ? ` · ${task.person.fullName}` : ""}${task.snoozed ? " · snoozed" : ""}</span>
    ${open
      ? html`<span class="actions" role="group" aria-label=${`Actions for ${task.title}`}>
          <button type="button" data-action="complete" onClick=${() => act(COMPLETE_TASK, "completeTask", { id: task.id })}>Complete</button>
          <button type="button" data-action="skip" onClick=${() => act(SKIP_TASK, "skipTask", { id: task.id })}>Skip</button>
          <button type="button" data-action="snooze" ref=${opener} aria-expanded=${snoozing ? "true" : "false"}
            onClick=${() => setSnoozing(snoozing ? null : task.id)}>Snooze…</button>
        </span>`
      : html`<span class="badge">${label(task.status)}</span>`}
    ${snoozing
      ? html`<${SnoozeForm} task=${task} errors=${errors} onCancel=${() => setSnoozing(null)}
          onSnooze=${(day) => act(SNOOZE_TASK, "snoozeTask", { id: task.id, until: snoozeInstant(day).toISOString() }, task)} />`
      : null}
  </li>`;
}

// A row is leaving: the focus goes to the next row's first button (or the previous row's), still
// there, instead of getting lost with the row.
function focusAfter(id) {
  const row = document.querySelector(`li.task[data-task="${CSS.escape(id)}"]`);
  const next = row?.nextElementSibling || row?.previousElementSibling;
  (next?.querySelector("button") || document.querySelector(".tabs [aria-current]"))?.focus();
}

export function Tasks({ view }) {
  const counts = useStore(taskCounts);
  const list = useLoad(() => request(TASKS, { view }), [view]);
  const [errors, setErrors] = useState([]);
  const [gone, setGone] = useState(new Set());
  const [snoozing, setSnoozing] = useState(null);
  const [notice, setNotice] = useState(null);
  useEffect(() => {
    const stops = [onTaskChange(() => list.reload()), onReconnect(() => list.reload())];
    return () => stops.forEach((stop) => stop());
  }, [view]);
  useEffect(() => setGone(new Set()), [list.data]);
  useEffect(() => (setNotice(null), setSnoozing(null)), [view]);

  // Optimistic: the row leaves the open list at once and comes back if the server refuses.
  const act = async (document, field, input, snoozed = null) => {
    setErrors([]);
    setNotice(null);
    focusAfter(input.id);
    setGone((old) => new Set([...old, input.id]));
    try {
      const result = (await request(document, { input }))[field];
      if (result.userErrors.length) throw result.userErrors;
      setSnoozing(null);
      if (snoozed) setNotice(`Snoozed “${snoozed.title}” until ${formatTime(input.until)}.`);
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
    <${FormErrors} errors=${errors} fields=${snoozing ? ["until"] : []} />
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
    <ul class="rows" aria-label="Tasks">
      ${tasks.map(
        (task) => html`<${TaskRow} key=${task.id} task=${task} snoozing=${snoozing === task.id} errors=${errors}
          act=${act} setSnoozing=${setSnoozing} />`,
      )}
    </ul>
    ${list.data && !tasks.length ? html`<p class="empty">Nothing here.</p>` : null}
    ${list.data?.tasks.pageInfo.hasNextPage ? html`<p class="hint">Showing the first ${tasks.length}; finish some to see the rest.</p>` : null}
  </section>`;
}
