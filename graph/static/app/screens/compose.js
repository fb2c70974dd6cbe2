// Compose one email: pick the recipient and a template (search-as-you-type over the whole team,
// picker.js), edit, see the merge preview for that person (previewEmail: problems listed), then
// save a draft, schedule it at a wall-clock time in the recipient's time zone, or send it now.
// userErrors show next to the field they name; a draft refused for sending is kept, and the next
// try updates it instead of creating another.
import { request } from "../api.js";
import { CREATE_DRAFT, PREVIEW, SCHEDULE, SEND_NOW, UPDATE_DRAFT } from "../documents.js";
import { Picker, searchPeople, searchTemplates } from "../picker.js";
import { dstWarning, FieldErrors, flash, FormErrors, html, Problem } from "../ui.js";
import { useEffect, useRef, useState } from "../vendor/preact-htm.js";

const FIELDS = ["personId", "templateId", "to", "subject", "bodyText", "sendAt"];

// Unsubscribed people and hard-bounced addresses would only give a FAILED email.
const whyNot = (person) =>
  person.unsubscribed ? "unsubscribed" : person.deliverability.status === "UNDELIVERABLE" ? "undeliverable" : null;
const describePerson = (p) => `${p.fullName || p.email} <${p.email}>`;

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

export function Compose({ me }) {
  const [person, setPerson] = useState(null);
  const [template, setTemplate] = useState(null);
  const [text, setText] = useState({ subject: "", bodyText: "" });
  const [when, setWhen] = useState("");
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(null); // the draft a refused send or schedule left behind
  const toField = useRef(null);
  useEffect(() => toField.current?.focus(), []);
  const zone = person?.timezone || me?.timezone || "UTC";
  const set = (key) => (event) => setText({ ...text, [key]: event.target.value });
  const pickTemplate = (picked) => {
    setTemplate(picked);
    if (picked) setText({ subject: picked.subject ?? text.subject, bodyText: picked.bodyText ?? text.bodyText });
  };

  // Save the draft (create it, or update the one a refused try left), then schedule or send it.
  const saveDraft = async () => {
    const fields = { personId: person?.id || null, to: person ? [person.email] : null, ...text };
    const templateId = template?.id || null;
    if (saved && saved.templateId === templateId) {
      const result = (await request(UPDATE_DRAFT, { input: { id: saved.id, ...fields } })).updateDraft;
      return [result.userErrors, result.email && { ...result.email, templateId }];
    }
    const result = (await request(CREATE_DRAFT, { input: { ...fields, templateId } })).createDraft;
    return [result.userErrors, result.email && { ...result.email, templateId }];
  };
  const submit = async (then) => {
    setBusy(true);
    setErrors([]);
    try {
      const [refused, email] = await saveDraft();
      if (refused.length) return setErrors(refused);
      setSaved(email);
      if (then === "send") {
        const sent = (await request(SEND_NOW, { input: { id: email.id } })).sendEmailNow;
        if (sent.userErrors.length) return setErrors(sent.userErrors);
      } else if (then === "schedule") {
        const input = { id: email.id, sendAt: `${when.slice(0, 16)}:00`, recipientTimeZone: true };
        const scheduled = (await request(SCHEDULE, { input })).scheduleEmail;
        if (scheduled.userErrors.length) return setErrors(scheduled.userErrors);
        const { sendTime } = scheduled;
        const warning = dstWarning(sendTime);
        flash(email.id, `Scheduled for ${sendTime.localTime.replace("T", " ")} ${sendTime.timeZone}.${warning ? ` ${warning}` : ""}`);
      }
      location.hash = `#/email/${encodeURIComponent(email.id)}`;
    } catch (error) {
      setErrors([{ message: String(error.message || error), code: "REQUEST_FAILED" }]);
    } finally {
      setBusy(false);
    }
  };

  const draft = { personId: person?.id, templateId: template?.id, ...text };
  return html`<section class="compose" aria-labelledby="compose-title">
    <h1 id="compose-title">Compose</h1>
    <form onSubmit=${(event) => (event.preventDefault(), submit("draft"))}>
      <${Picker} label="To" name="personId" inputRef=${toField} search=${searchPeople} describe=${describePerson}
        picked=${person} onPick=${setPerson} disabledReason=${whyNot} placeholder="Name, address or company…" />
      <${FieldErrors} errors=${errors} field="personId" /><${FieldErrors} errors=${errors} field="to" />
      <${Picker} label="Template" name="templateId" search=${searchTemplates} describe=${(t) => t.name}
        picked=${template} onPick=${pickTemplate} placeholder="No template (type to search)" />
      <${FieldErrors} errors=${errors} field="templateId" />
      <label>Subject <input name="subject" value=${text.subject} onInput=${set("subject")} /></label>
      <${FieldErrors} errors=${errors} field="subject" />
      <label>Body <textarea name="bodyText" rows="8" value=${text.bodyText} onInput=${set("bodyText")}></textarea></label>
      <${FieldErrors} errors=${errors} field="bodyText" />
      <label>Send at (${person?.timezone ? `recipient's time, ${zone}` : `your time, ${zone}`})
        <input type="datetime-local" name="sendAt" value=${when} onInput=${(e) => setWhen(e.target.value)} /></label>
      <${FieldErrors} errors=${errors} field="sendAt" />
      <${FormErrors} errors=${errors} fields=${FIELDS} />
      ${saved && errors.length ? html`<p class="hint" role="status">Saved as a draft; <a href=${`#/email/${encodeURIComponent(saved.id)}`}>open it</a> or fix it here and try again.</p>` : null}
      <div class="actions">
        <button type="submit" disabled=${busy}>Save draft</button>
        <button type="button" disabled=${busy || !when} onClick=${() => submit("schedule")}>Schedule</button>
        <button type="button" class="primary" disabled=${busy} onClick=${() => submit("send")}>Send now</button>
      </div>
    </form>
    <${Preview} draft=${draft} />
  </section>`;
}
