// One email: what was sent and to whom, its history as a timeline (opens and clicks marked human
// or machine, replies with their text, bounces) and its availableActions as buttons. Archive and
// unarchive are optimistic (the badge moves at once, and back if the server says no); userErrors
// show next to the field they name (the recipient, the subject, the body, the send time). A
// scheduled time shows in the recipient's time zone, as it was asked for. A bounced address can be
// marked deliverable again here, which is what makes Retry possible. Any change of this email on
// the live stream re-reads it, and its history (100 events a page, "Load more": the pages shown are
// read again). Deleting it goes back to the list at once, never through "does not exist".
import { request } from "../api.js";
import {
  ARCHIVE, CLEAR_BOUNCE, DELETE, EMAIL, EMAIL_EVENTS, RETRY, SCHEDULE, SEND_NOW, UNARCHIVE, UNSCHEDULE,
} from "../documents.js";
import { onReconnect } from "../live.js";
import { More, usePages } from "../pages.js";
import { onActivity, onEmailChange } from "../stores.js";
import { dstWarning, FieldErrors, formatTime, FormErrors, html, inZone, label, Problem, takeFlash, useLoad } from "../ui.js";
import { useEffect, useRef, useState } from "../vendor/preact-htm.js";

const NO_EVENTS = { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };
const FIELDS = ["to", "personId", "subject", "bodyText", "bodyHtml", "sendAt"];
const SIMPLE = {
  SEND_NOW: ["Send now", SEND_NOW, "sendEmailNow", null],
  UNSCHEDULE: ["Unschedule", UNSCHEDULE, "unscheduleEmail", null],
  ARCHIVE: ["Archive", ARCHIVE, "archiveEmail", "ARCHIVED"],
  UNARCHIVE: ["Unarchive", UNARCHIVE, "unarchiveEmail", "DELIVERED"],
  RETRY: ["Retry", RETRY, "retryEmail", null],
};
const KIND_TEXT = {
  VIEWED: "Opened",
  CLICKED: "Clicked",
  REPLIED: "Replied",
  AUTO_REPLIED: "Automatic reply",
  SENDING: "Sending",
  DELIVERED: "Sent and delivered",
  BOUNCED: "Bounced",
  BOUNCE_REPORTED: "Bounce reported",
  DELIVERY_DELAYED: "Delivery delayed",
  SPAM_REPORTED: "Reported as spam",
};
// Events whose data carries what the receiving side said (a delivery report's status/diagnostic).
const WITH_DETAIL = new Set(["BOUNCED", "BOUNCE_REPORTED", "DELIVERY_DELAYED", "SPAM_REPORTED", "FAILED"]);

// The events as the API lists them (oldest first); the n-th reply event shows the n-th reply.
function Timeline({ email, events }) {
  const replies = [...email.replies];
  return html`<ol class="timeline" aria-label="History">
    ${events.map((event) => {
      const reply = event.kind === "REPLIED" || event.kind === "AUTO_REPLIED" ? replies.shift() : null;
      const who = event.kind === "VIEWED" || event.kind === "CLICKED" ? (event.machine ? " (machine)" : " (human)") : "";
      return html`<li key=${event.id} data-event=${event.id} data-kind=${event.kind} class=${event.machine ? "machine" : ""}>
        <time datetime=${event.occurredAt}>${formatTime(event.occurredAt)}</time>
        <strong>${KIND_TEXT[event.kind] || label(event.kind)}${who}</strong>
        ${event.actor ? html` <span class="meta">by ${event.actor.name}</span>` : null}
        ${event.kind === "CLICKED" && event.data?.url ? html` <span class="meta">${event.data.url}</span>` : null}
        ${WITH_DETAIL.has(event.kind) && event.data?.detail ? html`<span class="meta detail">${event.data.detail}</span>` : null}
        ${reply ? html`<blockquote class="reply" data-from=${reply.from}>${reply.text}</blockquote>` : null}
      </li>`;
    })}
  </ol>`;
}

// A time in the zone it was asked in (the recipient's), and in this browser's when they differ.
function ZonedTime({ iso, zone }) {
  const there = inZone(iso, zone);
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return html`<time datetime=${iso} data-local=${there.local} data-zone=${zone}>${there.text} (${zone})</time>
    ${here !== zone ? html` <span class="meta">· ${inZone(iso, here).text} your time</span>` : null}`;
}

function Schedule({ email, zone, run, errors }) {
  const [when, setWhen] = useState("");
  const [recipientZone, setRecipientZone] = useState(true);
  const submit = (event) => {
    event.preventDefault();
    // A wall-clock time: in the recipient's zone as typed, else this browser's instant.
    const sendAt = recipientZone ? `${when}:00` : new Date(when).toISOString();
    run(SCHEDULE, "scheduleEmail", { id: email.id, sendAt, recipientTimeZone: recipientZone, version: email.version });
  };
  return html`<form class="schedule" onSubmit=${submit}>
    <label>Send at <input type="datetime-local" value=${when} onInput=${(e) => setWhen(e.target.value)} required /></label>
    <${FieldErrors} errors=${errors} field="sendAt" />
    <label class="check"><input type="checkbox" checked=${recipientZone} onChange=${(e) => setRecipientZone(e.target.checked)} />
      In the recipient's time zone (${zone})</label>
    <button type="submit">${email.status === "SCHEDULED" ? "Reschedule" : "Schedule"}</button>
  </form>`;
}

function Undeliverable({ email, run }) {
  const person = email.person;
  if (person?.deliverability.status !== "UNDELIVERABLE" || !["FAILED", "BOUNCED"].includes(email.status)) return null;
  return html`<p class="warning" role="note">${person.email} is marked undeliverable${person.deliverability.reason ? ` (${person.deliverability.reason})` : ""}, so this email cannot be retried.
    <button type="button" onClick=${() => run(CLEAR_BOUNCE, "clearBouncedAddress", { personId: person.id })}>Mark the address deliverable again</button></p>`;
}

export function EmailPage({ id, me }) {
  const loaded = useLoad(() => request(EMAIL, { id }), [id]);
  const events = usePages(async (after) => (await request(EMAIL_EVENTS, { id, after })).email?.events ?? NO_EVENTS, [id]);
  // Deleted from this page: nothing is read again (it would answer "does not exist") on the way back.
  const deleting = useRef(false);
  const [optimistic, setOptimistic] = useState(null);
  const [errors, setErrors] = useState([]);
  const [notice, setNotice] = useState(() => takeFlash(id));
  const email = loaded.data?.email;

  useEffect(() => {
    const again = () => deleting.current || (loaded.reload(), events.reload());
    const stops = [
      onEmailChange((change) => change.emailId === id && again()),
      onReconnect(again),
      // Opens, clicks and replies are engagement, pushed by `activity`.
      onActivity((event) => event.emailId === id && again()),
    ];
    return () => stops.forEach((stop) => stop());
  }, [id]);
  useEffect(() => setOptimistic(null), [email?.status, email?.version]);

  const run = async (document, field, input, optimisticStatus = null) => {
    setErrors([]);
    setNotice(null);
    if (optimisticStatus) setOptimistic(optimisticStatus);
    deleting.current = field === "deleteEmail";
    try {
      const result = (await request(document, { input }))[field];
      if (result.userErrors.length) {
        deleting.current = false;
        setOptimistic(null);
        setErrors(result.userErrors);
        return;
      }
      if (field === "deleteEmail") {
        location.hash = `#/emails/${email.folder}`; // back to the list it was in
        return;
      }
      if (result.sendTime) {
        const warning = dstWarning(result.sendTime);
        setNotice(`Scheduled for ${result.sendTime.localTime.replace("T", " ")} ${result.sendTime.timeZone}.${warning ? ` ${warning}` : ""}`);
      }
      loaded.reload();
    } catch (error) {
      deleting.current = false;
      setOptimistic(null);
      setErrors([{ message: String(error.message || error), code: "REQUEST_FAILED" }]);
    }
  };

  if (loaded.error) return html`<${Problem} error=${loaded.error} />`;
  if (!loaded.data) return html`<p class="loading">Loading…</p>`;
  if (!email && deleting.current) return html`<p class="loading">Deleted. Back to the list…</p>`;
  if (!email) return html`<p class="problem">This email does not exist (or is not yours to see).</p>`;
  const status = optimistic || email.status;
  const zone = email.person?.timezone || me?.timezone || "UTC";
  const actions = email.availableActions;
  return html`<article class="email" data-email=${email.id}>
    <p><a href=${`#/emails/${email.folder}`}>← ${label(email.folder)}</a></p>
    <h1>${email.subject || "(no subject)"}</h1>
    <${FieldErrors} errors=${errors} field="subject" />
    <p><span class=${`badge status-${status}`} data-testid="status">${label(status)}</span>
      ${email.failureCode ? html` <span class="meta">${email.failureCode}: ${email.failureDetail}</span>` : null}</p>
    <dl class="facts">
      <dt>To</dt><dd>${email.person ? `${email.person.fullName} <${email.to.join(", ")}>` : email.to.join(", ") || "(no one yet)"}
        <${FieldErrors} errors=${errors} field="to" /><${FieldErrors} errors=${errors} field="personId" /></dd>
      ${email.cc.length ? html`<dt>Cc</dt><dd>${email.cc.join(", ")}</dd>` : null}
      ${email.campaign ? html`<dt>Campaign</dt><dd><a href=${`#/campaign/${email.campaign.id}`}>${email.campaign.name}</a></dd>` : null}
      ${email.template ? html`<dt>Template</dt><dd>${email.template.name}</dd>` : null}
      ${email.scheduledAt ? html`<dt>Scheduled</dt><dd data-testid="scheduled"><${ZonedTime} iso=${email.scheduledAt} zone=${zone} /></dd>` : null}
      ${email.sentAt ? html`<dt>Sent</dt><dd>${formatTime(email.sentAt)}</dd>` : null}
      <dt>Engagement</dt><dd>${email.viewCount} opens (+${email.machineViewCount} machine), ${email.clickCount} clicks, ${email.replyCount} replies</dd>
    </dl>
    <div class="actions" role="group" aria-label="Actions">
      ${Object.entries(SIMPLE).map(([action, [text, document, field, next]]) =>
        actions.includes(action)
          ? html`<button type="button" data-action=${action}
              onClick=${() => run(document, field, { id: email.id }, next)}>${text}</button>`
          : null,
      )}
      ${actions.includes("DELETE")
        ? html`<button type="button" class="danger" data-action="DELETE"
            onClick=${() => confirm("Delete this email?") && run(DELETE, "deleteEmail", { id: email.id })}>Delete</button>`
        : null}
    </div>
    <${Undeliverable} email=${email} run=${run} />
    ${actions.includes("SCHEDULE") || actions.includes("RESCHEDULE") ? html`<${Schedule} email=${email} zone=${zone} run=${run} errors=${errors} />` : null}
    <${FormErrors} errors=${errors} fields=${FIELDS} />
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
    <h2>Message</h2>
    <pre class="body">${email.bodyText}</pre>
    <${FieldErrors} errors=${errors} field="bodyText" /><${FieldErrors} errors=${errors} field="bodyHtml" />
    <h2>History</h2>
    <${Problem} error=${events.error} />
    <${Timeline} email=${email} events=${events.nodes || []} />
    <${More} list=${events} what="history" />
  </article>`;
}
