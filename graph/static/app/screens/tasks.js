// Tasks: TODAY / OVERDUE / UPCOMING / COMPLETED with live counts (taskCountsChanged); complete,
// skip or snooze a task (until the start of the rep's working day, on a chosen day, in the rep's
// own time zone from their profile, whatever this browser's is); reopen a completed one. The list
// is paged (50 a page, "Load more") and re-reads the pages shown on every task change, so what
// another client does shows here too. Keyboard: every action is a button; the snooze form
// takes the focus when it opens (Escape closes it) and, when a row leaves, the focus goes to the
// next row's first action instead of getting lost.
import { request } from "../api.js";
import { COMPLETE_TASK, REOPEN_TASK, SKIP_TASK, SNOOZE_TASK, TASKS } from "../documents.js";
import { onReconnect } from "../live.js";
import { onTaskChange, taskCounts, useStore } from "../stores.js";
import { More, usePages } from "../pages.js";
import { Count, dayIn, FieldErrors, FormErrors, formatTime, html, inZone, label, Problem, zonedInstant } from "../ui.js";
import { useEffect, useLayoutEffect, useRef, useState } from "../vendor/preact-htm.js";

const VIEWS = ["TODAY", "OVERDUE", "UPCOMING", "COMPLETED"];

// The start of the rep's working day (09:00 unless their profile says otherwise) on that day, in
// their time zone: the task comes back (due) then. Days count in that zone too.
const DEFAULT_DAY = { timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, workingHours: { start: "09:00" } };
const snoozeInstant = (day, me) => zonedInstant(`${day}T${me.workingHours.start.slice(0, 5)}`, me.timezone);

function SnoozeForm({ task, me, errors, onSnooze, onCancel }) {
  const tomorrow = dayIn(me.timezone, 1);
  const [day, setDay] = useState(tomorrow);
  const input = useRef(null);
  useLayoutEffect(() => input.current?.focus(), []);
  return html`<form class="snooze" aria-label=${`Snooze ${task.title}`}
    onSubmit=${(event) => (event.preventDefault(), onSnooze(day))}
    onKeyDown=${(event) => event.key === "Escape" && onCancel()}>
    <label>Snooze until <input ref=${input} type="date" name="until" required min=${tomorrow} value=${day}
      onInput=${(event) => setDay(event.target.value)} /></label>
    <button type="submit" class="primary">Snooze</button>
    <button type="button" onClick=${onCancel}>Cancel</button>
    <${FieldErrors} errors=${errors} field="until" />
  </form>`;
}

function TaskRow({ task, me, snoozing, errors, act, setSnoozing }) {
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
      : html`<span class="badge">${label(task.status)}</span>
        <span class="actions" role="group" aria-label=${`Actions for ${task.title}`}>
          <button type="button" data-action="reopen" onClick=${() => act(REOPEN_TASK, "reopenTask", { id: task.id })}>Reopen</button>
        </span>`}
    ${snoozing
      ? html`<${SnoozeForm} task=${task} me=${me} errors=${errors} onCancel=${() => setSnoozing(null)}
          onSnooze=${(day) => act(SNOOZE_TASK, "snoozeTask", { id: task.id, until: snoozeInstant(day, me).toISOString() }, task)} />`
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
  // The rep's clock comes with every page: a profile changed elsewhere (a new time zone) counts.
  const [clock, setClock] = useState(null);
  const list = usePages(async (after) => {
    const data = await request(TASKS, { view, after });
    setClock(data.me);
    return data.tasks;
  }, [view]);
  const me = clock || DEFAULT_DAY;
  const [errors, setErrors] = useState([]);
  const [gone, setGone] = useState(new Set());
  const [snoozing, setSnoozing] = useState(null);
  const [notice, setNotice] = useState(null);
  useEffect(() => {
    const stops = [onTaskChange(() => list.reload()), onReconnect(() => list.reload())];
    return () => stops.forEach((stop) => stop());
  }, [view]);
  useEffect(() => setGone(new Set()), [list.nodes]);
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
      if (snoozed) setNotice(`Snoozed “${snoozed.title}” until ${inZone(input.until, me.timezone).text} (${me.timezone}).`);
      list.reload();
    } catch (problem) {
      setGone((old) => new Set([...old].filter((id) => id !== input.id)));
      setErrors(Array.isArray(problem) ? problem : [{ message: String(problem.message), code: "REQUEST_FAILED" }]);
    }
  };

  const tasks = (list.nodes || []).filter((task) => !gone.has(task.id));
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
    <ul class="rows" aria-label="Tasks" aria-busy=${list.busy}>
      ${tasks.map(
        (task) => html`<${TaskRow} key=${task.id} task=${task} me=${me} snoozing=${snoozing === task.id} errors=${errors}
          act=${act} setSnoozing=${setSnoozing} />`,
      )}
    </ul>
    ${list.nodes && !tasks.length ? html`<p class="empty">Nothing here.</p>` : null}
    <${More} list=${list} what="tasks" />
  </section>`;
}
