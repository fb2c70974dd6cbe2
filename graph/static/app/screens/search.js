// Search: the advanced search builder (campaign, folder, words, engagement "viewed/clicked at least
// N within D days", not replied), a preview, saving it, and a saved search watched live (rows
// appear on ENTERED and fade out on EXITED). From a saved list: follow-up tasks for its emails, or
// its people added to a campaign.
import { request } from "../api.js";
import {
  ADD_TO_CAMPAIGN, FOLLOW_UP, SAVE_SEARCH, SAVED_SEARCH, SAVED_SEARCH_MATCHES,
  SAVED_SEARCHES, SEARCH_PREVIEW,
} from "../documents.js";
import { onReconnect, subscribe } from "../live.js";
import { CampaignPicker } from "../picker.js";
import { FieldErrors, FormErrors, html, label, Problem, useLoad } from "../ui.js";
import { useEffect, useRef, useState } from "../vendor/preact-htm.js";
import { EmailRow, FOLDERS } from "./emails.js";

const FADE_MS = 1500;

function engagement(on, atLeast, withinDays) {
  if (!on) return null;
  return { happened: true, atLeast: Number(atLeast) || 1, withinDays: withinDays ? Number(withinDays) : null };
}

export function buildFilter(form) {
  return {
    campaignId: form.campaign?.id || null,
    folder: form.folder || null,
    text: form.text || null,
    viewed: engagement(form.viewed, form.viewedAtLeast, form.viewedWithin),
    clicked: engagement(form.clicked, form.clickedAtLeast, form.clickedWithin),
    replied: form.notReplied ? { happened: false, atLeast: 1 } : null,
    excludeMachine: Boolean(form.excludeMachine),
  };
}

// "Viewed (or clicked) at least N times within D days": the checkbox turns the condition on.
function Engagement({ name, title, form, set, errors }) {
  return html`<fieldset class="engagement"><legend>${title}</legend>
      <label class="check"><input type="checkbox" name=${name} checked=${form[name]} onChange=${set(name)} /> ${title} at least</label>
      <label>times <input type="number" min="1" max="1000" name=${`${name}AtLeast`} value=${form[`${name}AtLeast`]}
        aria-label=${`${title}: at least how many times`} onInput=${set(`${name}AtLeast`)} /></label>
      <label>within days <input type="number" min="1" max="366" name=${`${name}Within`} value=${form[`${name}Within`] || ""}
        aria-label=${`${title}: within how many days (empty: ever)`} onInput=${set(`${name}Within`)} /></label>
    </fieldset>
    <${FieldErrors} errors=${errors} field=${`filter.${name}`} />`;
}

function Builder({ onSaved }) {
  const [form, setForm] = useState({ name: "", viewedAtLeast: 1, clickedAtLeast: 1 });
  const [preview, setPreview] = useState(null);
  const [errors, setErrors] = useState([]);
  const [problem, setProblem] = useState(null);
  const set = (key) => (event) =>
    setForm({ ...form, [key]: event.target.type === "checkbox" ? event.target.checked : event.target.value });

  const runPreview = async () => {
    try {
      setPreview((await request(SEARCH_PREVIEW, { filter: buildFilter(form) })).emails);
      setProblem(null);
    } catch (error) {
      setProblem(error);
    }
  };
  const save = async (event) => {
    event.preventDefault();
    try {
      const result = (await request(SAVE_SEARCH, { input: { name: form.name, filter: buildFilter(form) } })).saveSearch;
      setErrors(result.userErrors);
      setProblem(null);
      if (!result.userErrors.length) onSaved(result.savedSearch.id);
    } catch (error) {
      setProblem(error);
    }
  };
  const fields = ["name", "filter.viewed", "filter.clicked", "filter.text"];
  return html`<form class="builder" onSubmit=${save} aria-label="Search builder">
    <label>Words <input name="text" value=${form.text || ""} onInput=${set("text")} /></label>
    <${CampaignPicker} label="Campaign" name="campaignId" picked=${form.campaign || null} placeholder="Any"
      onPick=${(campaign) => setForm((old) => ({ ...old, campaign }))} />
    <label>Folder
      <select name="folder" value=${form.folder || ""} onChange=${set("folder")}>
        <option value="">Any</option>
        ${Object.keys(FOLDERS).map((f) => html`<option value=${f}>${label(f)}</option>`)}
      </select></label>
    <${Engagement} name="viewed" title="Viewed" form=${form} set=${set} errors=${errors} />
    <${Engagement} name="clicked" title="Clicked" form=${form} set=${set} errors=${errors} />
    <label class="check"><input type="checkbox" name="notReplied" checked=${form.notReplied} onChange=${set("notReplied")} /> Not replied</label>
    <label class="check"><input type="checkbox" name="excludeMachine" checked=${form.excludeMachine} onChange=${set("excludeMachine")} /> Ignore machine opens and clicks</label>
    <label>Name <input name="name" value=${form.name} onInput=${set("name")} required /></label>
    <${FieldErrors} errors=${errors} field="name" />
    <${FormErrors} errors=${errors} fields=${fields} />
    <div class="actions">
      <button type="button" onClick=${runPreview}>Preview</button>
      <button type="submit" class="primary">Save search</button>
    </div>
    <${Problem} error=${problem} />
    ${preview
      ? html`<p class="meta" role="status">${preview.totalCount} matching</p>
        <ul class="rows" aria-label="Preview">${preview.nodes.map((email) => html`<${EmailRow} key=${email.id} email=${email} />`)}</ul>`
      : null}
  </form>`;
}

function ListTools({ saved, rows }) {
  const [campaign, setCampaign] = useState(null);
  const [notice, setNotice] = useState(null);
  const [errors, setErrors] = useState([]);
  const [problem, setProblem] = useState(null);
  const attempt = (work) => async () => {
    setNotice(null);
    setProblem(null);
    try {
      await work();
    } catch (error) {
      setProblem(error);
    }
  };
  // One follow-up task (an email, due in a day) per email of the list, on the caller's list.
  const followUps = attempt(async () => {
    const dueAt = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
    const results = await Promise.all(
      rows.map((email) => request(FOLLOW_UP, { input: { emailId: email.id, type: "EMAIL", dueAt } })),
    );
    const refused = results.flatMap((r) => r.createFollowUpTask.userErrors);
    setErrors(refused);
    setNotice(html`${results.length - refused.length} follow-up tasks created. <a href="#/tasks/UPCOMING">See the follow-ups</a>`);
  });
  // The distinct people of the saved search's emails (the API reads the list: at most 200).
  const addToCampaign = attempt(async () => {
    const campaignId = campaign.id;
    const input = { campaignId, savedSearchId: saved.id, idempotencyKey: crypto.randomUUID() };
    const result = (await request(ADD_TO_CAMPAIGN, { input })).addPeopleToCampaign;
    setErrors(result.userErrors);
    if (result.userErrors.length) return;
    const link = `#/campaign/${encodeURIComponent(campaignId)}`;
    setNotice(html`${result.added} people added${result.capped ? " (capped at 200)" : ""}. <a href=${link}>Open the campaign</a>`);
  });
  return html`<div class="list-tools" role="group" aria-label="With this list">
    <button type="button" onClick=${followUps} disabled=${!rows.length}>Create follow-up tasks</button>
    <${CampaignPicker} label="Add them to the campaign" name="campaignId" picked=${campaign} onPick=${setCampaign} />
    <button type="button" onClick=${addToCampaign} disabled=${!campaign}>Add people to campaign</button>
    <${FormErrors} errors=${errors} />
    <${Problem} error=${problem} />
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
  </div>`;
}

// A saved search watched live: ENTERED rows come in at the top, EXITED ones fade out (unless they
// come back meanwhile); `onCount` hears the number of matches as it changes.
function Watched({ id, onCount }) {
  const loaded = useLoad(() => request(SAVED_SEARCH, { id }), [id]);
  const [rows, setRows] = useState([]);
  const [count, setCount] = useState(null);
  const [leaving, setLeaving] = useState(new Set());
  const leavingNow = useRef(new Set());
  const mark = (emailId, on) => {
    if (on) leavingNow.current.add(emailId);
    else leavingNow.current.delete(emailId);
    setLeaving(new Set(leavingNow.current));
  };
  useEffect(() => {
    setRows(loaded.data?.savedSearch?.emails.nodes || []);
    setCount(loaded.data?.savedSearch?.count ?? null);
  }, [loaded.data]);
  useEffect(() => count != null && onCount(id, count), [count]);
  useEffect(() => {
    const stops = [
      subscribe(SAVED_SEARCH_MATCHES, { id }, ({ savedSearchMatches: match }) => {
        if (match.kind === "ENTERED") {
          setCount((n) => (n ?? 0) + 1);
          mark(match.emailId, false);
          if (match.email) {
            setRows((old) => [{ ...match.email, entered: true }, ...old.filter((row) => row.id !== match.emailId)]);
          }
        } else if (match.kind === "EXITED") {
          setCount((n) => Math.max(0, (n ?? 0) - 1));
          mark(match.emailId, true);
          setTimeout(() => {
            if (!leavingNow.current.has(match.emailId)) return; // it came back
            setRows((old) => old.filter((row) => row.id !== match.emailId));
            mark(match.emailId, false);
          }, FADE_MS);
        }
      }),
      // savedSearchMatches cannot replay: after a reconnect the list is read afresh.
      onReconnect(() => loaded.reload()),
    ];
    return () => stops.forEach((stop) => stop());
  }, [id]);
  if (loaded.error) return html`<${Problem} error=${loaded.error} />`;
  const saved = loaded.data?.savedSearch;
  if (!saved) return html`<p class="loading">Loading…</p>`;
  return html`<section aria-labelledby="watched-title" class="watched">
    <h2 id="watched-title">${saved.name}</h2>
    <p class="meta" data-matches=${count}>${count} matching now; new matches appear here live.</p>
    <${ListTools} saved=${saved} rows=${rows} />
    <ul class="rows" aria-label="Matching emails" data-saved-search=${saved.id}>
      ${rows.map(
        (email) => html`<${EmailRow} key=${email.id} email=${email}
          className=${leaving.has(email.id) ? "exiting" : email.entered ? "entered" : ""} />`,
      )}
    </ul>
  </section>`;
}

export function Search({ savedId }) {
  const list = useLoad(() => request(SAVED_SEARCHES), [savedId]);
  const [counts, setCounts] = useState({}); // the watched search's live count
  const id = savedId ? decodeURIComponent(savedId) : null;
  return html`<section class="search" aria-labelledby="search-title">
    <h1 id="search-title">Search</h1>
    <nav class="saved" aria-label="Saved searches">
      <a href="#/search" aria-current=${id ? null : "page"}>New search</a>
      ${list.data?.savedSearches.nodes.map(
        (s) => html`<a href=${`#/search/${encodeURIComponent(s.id)}`} aria-current=${s.id === id ? "page" : null}>${s.name} (${counts[s.id] ?? s.count})</a>`,
      )}
    </nav>
    ${id ? html`<${Watched} id=${id} onCount=${(key, n) => setCounts((old) => ({ ...old, [key]: n }))} />` : html`<${Builder} onSaved=${(newId) => (location.hash = `#/search/${encodeURIComponent(newId)}`)} />`}
  </section>`;
}
