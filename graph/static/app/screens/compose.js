// Compose one email from a template: pick the recipient and a template, edit, see the merge
// preview for that person (previewEmail: problems listed), then save a draft, schedule it (in the
// recipient's time zone) or send it now. userErrors show next to the field they name.
import { request } from "../api.js";
import { CREATE_DRAFT, FILTER_CHOICES, PREVIEW, SCHEDULE, SEND_NOW } from "../documents.js";
import { FieldErrors, FormErrors, html, Problem, useLoad } from "../ui.js";
import { useEffect, useState } from "../vendor/preact-htm.js";

// Unsubscribed people and hard-bounced addresses would only give a FAILED email.
const reachable = (person) => !person.unsubscribed && person.deliverability.status !== "UNDELIVERABLE";
const FIELDS = ["personId", "templateId", "to", "subject", "bodyText", "sendAt"];

function Preview({ draft }) {
  const [preview, setPreview] = useState(null);
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    if (!draft.personId) return setPreview(null);
    const timer = setTimeout(() => {
      const input = { personId: draft.personId, templateId: draft.templateId || null, subject: draft.subject, bodyText: draft.bodyText };
      request(PREVIEW, { input }).then(
        (data) => (setPreview(data.previewEmail), setProblem(null)),
        setProblem,
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [draft.personId, draft.templateId, draft.subject, draft.bodyText]);
  if (problem) return html`<${Problem} error=${problem} />`;
  if (!preview) return html`<p class="hint">Choose a recipient to preview the merge fields.</p>`;
  return html`<section class="preview" aria-label="Preview">
    <h2>Preview</h2>
    <p><strong>${preview.subject}</strong></p>
    <pre class="body">${preview.text}</pre>
    ${preview.problems.length
      ? html`<ul class="problems" aria-label="Merge problems">${preview.problems.map(
          (p) => html`<li data-code=${p.code}>${p.field}: ${p.message}</li>`,
        )}</ul>`
      : html`<p class="ok">No merge problems.</p>`}
  </section>`;
}

export function Compose() {
  const choices = useLoad(() => request(FILTER_CHOICES), []);
  const [draft, setDraft] = useState({ personId: "", templateId: "", subject: "", bodyText: "" });
  const [when, setWhen] = useState("");
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState(false);
  const people = choices.data?.people.nodes || [];
  const templates = choices.data?.templates.nodes || [];
  const set = (key) => (event) => setDraft({ ...draft, [key]: event.target.value });
  const pickTemplate = (event) => {
    const template = templates.find((t) => t.id === event.target.value);
    setDraft({ ...draft, templateId: event.target.value, subject: template?.subject ?? draft.subject, bodyText: template?.bodyText ?? draft.bodyText });
  };

  // Create the draft, then (optionally) schedule or send it; stop at the first userErrors.
  const submit = async (then) => {
    setBusy(true);
    setErrors([]);
    try {
      const person = people.find((p) => p.id === draft.personId);
      const input = {
        personId: draft.personId || null,
        templateId: draft.templateId || null,
        to: person ? [person.email] : null,
        subject: draft.subject,
        bodyText: draft.bodyText,
      };
      const created = (await request(CREATE_DRAFT, { input })).createDraft;
      if (created.userErrors.length) return setErrors(created.userErrors);
      const email = created.email;
      if (then === "send") {
        const sent = (await request(SEND_NOW, { input: { id: email.id } })).sendEmailNow;
        if (sent.userErrors.length) return setErrors(sent.userErrors);
      } else if (then === "schedule") {
        const input = { id: email.id, sendAt: `${when}:00`, recipientTimeZone: true };
        const scheduled = (await request(SCHEDULE, { input })).scheduleEmail;
        if (scheduled.userErrors.length) return setErrors(scheduled.userErrors);
      }
      location.hash = `#/email/${encodeURIComponent(email.id)}`;
    } catch (error) {
      setErrors([{ message: String(error.message || error), code: "REQUEST_FAILED" }]);
    } finally {
      setBusy(false);
    }
  };

  return html`<section class="compose" aria-labelledby="compose-title">
    <h1 id="compose-title">Compose</h1>
    <${Problem} error=${choices.error} />
    <form onSubmit=${(event) => (event.preventDefault(), submit("draft"))}>
      <label>To
        <select name="personId" value=${draft.personId} onChange=${set("personId")} required>
          <option value="">Choose a person…</option>
          ${people.map((p) => html`<option value=${p.id} disabled=${!reachable(p)}>${`${p.fullName} <${p.email}>${reachable(p) ? "" : " (cannot be emailed)"}`}</option>`)}
        </select>
      </label>
      <${FieldErrors} errors=${errors} field="personId" /><${FieldErrors} errors=${errors} field="to" />
      <label>Template
        <select name="templateId" value=${draft.templateId} onChange=${pickTemplate}>
          <option value="">No template</option>
          ${templates.map((t) => html`<option value=${t.id}>${t.name}</option>`)}
        </select>
      </label>
      <${FieldErrors} errors=${errors} field="templateId" />
      <label>Subject <input name="subject" value=${draft.subject} onInput=${set("subject")} /></label>
      <${FieldErrors} errors=${errors} field="subject" />
      <label>Body <textarea name="bodyText" rows="8" value=${draft.bodyText} onInput=${set("bodyText")}></textarea></label>
      <${FieldErrors} errors=${errors} field="bodyText" />
      <label>Send at (recipient's time) <input type="datetime-local" name="sendAt" value=${when} onInput=${(e) => setWhen(e.target.value)} /></label>
      <${FieldErrors} errors=${errors} field="sendAt" />
      <${FormErrors} errors=${errors} fields=${FIELDS} />
      <div class="actions">
        <button type="submit" disabled=${busy}>Save draft</button>
        <button type="button" disabled=${busy || !when} onClick=${() => submit("schedule")}>Schedule</button>
        <button type="button" class="primary" disabled=${busy} onClick=${() => submit("send")}>Send now</button>
      </div>
    </form>
    <${Preview} draft=${draft} />
  </section>`;
}
