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
