// Small shared pieces: the html tag (htm bound to Preact), dates, errors next to their fields.
import { html, useEffect, useState } from "./vendor/preact-htm.js";

export { html };

export function formatTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function label(enumValue) {
  return enumValue.charAt(0) + enumValue.slice(1).toLowerCase().replaceAll("_", " ");
}

// The userErrors a mutation returned for one input field (`field` names it in camelCase).
export function FieldErrors({ errors, field }) {
  const mine = (errors || []).filter((error) => (error.field || "") === field);
  if (!mine.length) return null;
  return html`<ul class="field-errors" role="alert" data-field=${field}>
    ${mine.map((error) => html`<li data-code=${error.code}>${error.message}</li>`)}
  </ul>`;
}

// Errors without a field (or naming one the form does not show).
export function FormErrors({ errors, fields = [] }) {
  const rest = (errors || []).filter((error) => !error.field || !fields.includes(error.field));
  if (!rest.length) return null;
  return html`<ul class="form-errors" role="alert">
    ${rest.map((error) => html`<li data-code=${error.code}>${error.message}</li>`)}
  </ul>`;
}

// Run `load` when the dependencies change; { data, error, reload }.
// A value kept outside the component (live status, shared counts). The component renders with the
// value of its first render but starts listening only when its effect runs, after the browser
// paints: a change in between would be missed until the next one (a screen opened just as the
// counts moved showed the old counts for good), so the effect reads the value again first.
export function useExternal(read, listen) {
  const [value, setValue] = useState(read());
  useEffect(() => {
    setValue(read());
    return listen(setValue);
  }, [read, listen]);
  return value;
}

export function useLoad(load, dependencies) {
  const [state, setState] = useState({ data: null, error: null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setState({ data, error: null }),
      (error) => current && setState({ data: null, error }),
    );
    return () => {
      current = false;
    };
  }, [...dependencies, round]);
  return { ...state, reload: () => setRound((n) => n + 1) };
}

export function Problem({ error }) {
  return error ? html`<p class="problem" role="alert">${String(error.message || error)}</p>` : null;
}

export function Count({ value, name }) {
  return html`<span class="count" data-count=${name} aria-label=${`${value} ${name}`}>${value ?? "…"}</span>`;
}

// An instant as the wall clock shows it in an IANA time zone: "2027-01-15T09:00" (for tests and
// datetime attributes) and a readable text in this browser's language.
export function inZone(iso, timeZone) {
  const date = new Date(iso);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(date).map((part) => [part.type, part.value]),
  );
  const text = date.toLocaleString(undefined, { timeZone, dateStyle: "medium", timeStyle: "short" });
  return { local: `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`, text };
}

// The instant a wall-clock time ("2027-01-15T09:00") is in an IANA time zone: the UTC reading of
// that text, moved by the zone's offset then (checked again at the result, for DST days).
export function zonedInstant(local, timeZone) {
  const asUtc = Date.parse(`${local}:00Z`);
  const offsetAt = (ms) => Date.parse(`${inZone(new Date(ms).toISOString(), timeZone).local}:00Z`) - Math.floor(ms / 60_000) * 60_000;
  let instant = asUtc - offsetAt(asUtc);
  instant = asUtc - offsetAt(instant);
  return new Date(instant);
}

// The calendar day (YYYY-MM-DD) `offset` days from today in an IANA time zone.
export function dayIn(timeZone, offset = 0) {
  const today = inZone(new Date().toISOString(), timeZone).local.slice(0, 10);
  return new Date(Date.parse(`${today}T12:00:00Z`) + offset * 24 * 3600 * 1000).toISOString().slice(0, 10);
}

// What a DST change did to a local send time (LocalSendTime.dstAdjustment), for the rep.
export function dstWarning(sendTime) {
  if (!sendTime || sendTime.dstAdjustment === "NONE") return null;
  return sendTime.dstAdjustment === "GAP_SHIFTED"
    ? `${sendTime.localTime} does not exist in ${sendTime.timeZone} (the clocks go forward): moved forward by the gap.`
    : `${sendTime.localTime} happens twice in ${sendTime.timeZone} (the clocks go back): the first one is used.`;
}

// A message for the next screen (e.g. "scheduled; DST moved it" after Compose opens the email).
let flashed = null;
export function flash(key, message) {
  flashed = { key, message };
}
export function takeFlash(key) {
  if (flashed?.key !== key) return null;
  const { message } = flashed;
  flashed = null;
  return message;
}
