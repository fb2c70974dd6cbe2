// Emails: the three folders as tabs with their statuses as sub-tabs and live counts, filters, and
// the list with keyset pagination (a sentinel loads the next page as it scrolls into view). Rows
// move between folders live: each email change of the shared stream adds, updates or removes one.
// After a dropped connection the stream resumes from its last cursor (live.js), so the changes
// missed meanwhile arrive as replayed events: the list is not read again. With a filter, the
// server decides what matches: a change re-reads the pages shown (all of them, not only the first).
import { request } from "../api.js";
import { EMAILS } from "../documents.js";
import { CampaignPicker, Picker, searchPeople } from "../picker.js";
import { folderCounts, onEmailChange, useStore } from "../stores.js";
import { Count, formatTime, html, label, Problem } from "../ui.js";
import { useEffect, useRef, useState } from "../vendor/preact-htm.js";

export const FOLDERS = {
  PENDING: ["DRAFT", "SCHEDULED", "IN_PROGRESS"],
  SENT: ["DELIVERED", "ARCHIVED"],
  UNDELIVERED: ["FAILED", "BOUNCED", "SPAM"],
};
const PRESETS = ["TODAY", "LAST_7_DAYS", "LAST_30_DAYS", "THIS_MONTH"];

function FolderTabs({ folder, status }) {
  const counts = useStore(folderCounts);
  const countOf = (s) => counts?.statuses.find((row) => row.status === s)?.count ?? 0;
  return html`
    <nav class="tabs" aria-label="Folders">
      ${Object.keys(FOLDERS).map(
        (name) => html`<a href=${`#/emails/${name}`} aria-current=${name === folder ? "page" : null}
          data-folder=${name}>${label(name)} <${Count} name=${name.toLowerCase()} value=${counts?.[name.toLowerCase()]} /></a>`,
      )}
    </nav>
    <nav class="subtabs" aria-label="Statuses">
      <a href=${`#/emails/${folder}`} aria-current=${status ? null : "page"}>All</a>
      ${FOLDERS[folder].map(
        (s) => html`<a href=${`#/emails/${folder}/${s}`} aria-current=${s === status ? "page" : null}
          data-status=${s}>${label(s)} <${Count} name=${s.toLowerCase()} value=${counts ? countOf(s) : null} /></a>`,
      )}
    </nav>`;
}

// The campaign and person filters are search pickers (any campaign or person the API can find);
// emptied, they mean "any".
function Filters({ filter, setFilter }) {
  const set = (key) => (event) => setFilter({ ...filter, [key]: event.target.value || null });
  const [text, setText] = useState(filter.text || "");
  const [campaign, setCampaign] = useState(null);
  const [person, setPerson] = useState(null);
  const pick = (key, keep) => (picked) => {
    keep(picked);
    if ((picked?.id || null) !== (filter[key] || null)) setFilter({ ...filter, [key]: picked?.id || null });
  };
  useEffect(() => {
    const timer = setTimeout(() => text !== (filter.text || "") && setFilter({ ...filter, text: text || null }), 300);
    return () => clearTimeout(timer);
  }, [text]);
  return html`<form class="filters" role="search" onSubmit=${(event) => event.preventDefault()}>
    <label>Search <input type="search" value=${text} onInput=${(event) => setText(event.target.value)} /></label>
    <${CampaignPicker} label="Campaign" name="campaignId" picked=${campaign} placeholder="Any"
      onPick=${pick("campaignId", setCampaign)} />
    <${Picker} label="Person" name="personId" search=${searchPeople} describe=${(p) => p.fullName || p.email}
      picked=${person} placeholder="Anyone" onPick=${pick("personId", setPerson)} />
    <label>Date
      <select value=${filter.datePreset || ""} onChange=${set("datePreset")}>
        <option value="">Any time</option>
        ${PRESETS.map((p) => html`<option value=${p}>${label(p)}</option>`)}
      </select>
    </label>
  </form>`;
}

export function EmailRow({ email, extra, className = "" }) {
  return html`<li class=${`row ${className}`} data-email=${email.id} data-status=${email.status}>
    <a href=${`#/email/${encodeURIComponent(email.id)}`}>
      <span class="subject">${email.subject || "(no subject)"}</span>
      <span class="to">${email.person?.fullName || email.to.join(", ")}</span>
      <span class=${`badge status-${email.status}`}>${label(email.status)}</span>
      <span class="meta">${formatTime(email.statusAt)}${email.campaign ? ` · ${email.campaign.name}` : ""}
        ${email.viewCount ? ` · ${email.viewCount} opens` : ""}${email.replyCount ? ` · ${email.replyCount} replies` : ""}</span>
    </a>
    ${extra}
  </li>`;
}

const isEmpty = (filter) => Object.values(filter).every((value) => value == null);

export function Emails({ folder, status }) {
  const [filter, setFilter] = useState({});
  const [rows, setRows] = useState([]);
  const [page, setPage] = useState({ hasNextPage: false, endCursor: null, totalCount: null });
  const [problem, setProblem] = useState(null);
  const [loading, setLoading] = useState(false);
  const sentinel = useRef(null);
  const variables = { folder, status, filter: isEmpty(filter) ? null : filter };

  // Changes heard while the first page is on its way are applied again on top of it: the page may
  // have been read before they happened.
  const heardWhileLoading = useRef(null);
  const more = useRef(false); // whether pages beyond the rows shown remain
  // A row that enters (or moves within) the view goes where the API lists it (newest status date
  // first): among the rows shown, or, when it sorts after them while pages remain, nowhere yet
  // (its page brings it; shown now, it would come twice and out of order).
  const apply = (rows, change, isIn, pagesRemain = more.current) => {
    const rest = rows.filter((row) => row.id !== change.emailId);
    if (!isIn) return rest;
    const at = Date.parse(change.email.statusAt);
    const index = rest.findIndex((row) => Date.parse(row.statusAt) < at);
    if (index === -1) return pagesRemain ? rest : [...rest, change.email];
    return [...rest.slice(0, index), change.email, ...rest.slice(index)];
  };

  // One page at a time: a second call for the same page (the sentinel and "Load more" at once)
  // does nothing, and a page of a view the user already left is dropped. Rows already shown (a
  // live change may have brought one in) are not added twice.
  const reading = useRef(null);
  const view = useRef(0);
  const pagesShown = useRef(0);
  const rereading = useRef(false);
  const rereadAgain = useRef(false);
  const reread = useRef(null);
  const load = async (after) => {
    const key = after || "";
    if (after && (reading.current === key || rereading.current)) return;
    reading.current = key;
    const round = after ? view.current : ++view.current;
    setLoading(true);
    if (!after) {
      heardWhileLoading.current = [];
      setPage({ hasNextPage: false, endCursor: null, totalCount: null }); // no cursor of the last view
    }
    try {
      const { emails } = await request(EMAILS, { ...variables, after });
      if (round !== view.current) return;
      const nodes = emails.edges.map((e) => e.node);
      const heard = (!after && heardWhileLoading.current) || [];
      if (!after) heardWhileLoading.current = null;
      setRows((old) => {
        if (!after) return heard.reduce((rows, [change, isIn]) => apply(rows, change, isIn, emails.pageInfo.hasNextPage), nodes);
        const shown = new Set(old.map((row) => row.id));
        return [...old, ...nodes.filter((node) => !shown.has(node.id))];
      });
      setPage({ ...emails.pageInfo, totalCount: emails.totalCount });
      more.current = emails.pageInfo.hasNextPage;
      pagesShown.current = after ? pagesShown.current + 1 : 1;
      setProblem(null);
    } catch (error) {
      if (round !== view.current) return;
      if (!after) heardWhileLoading.current = null;
      setProblem(error);
    } finally {
      if (reading.current === key) reading.current = null;
      if (round === view.current) setLoading(false);
      if (rereadAgain.current) reread.current();
    }
  };

  // With a filter: read again, from the first, as many pages as are shown, and show them at once
  // (the rows of pages 2+ stay). One re-read at a time, never during a page's read: a change heard
  // meanwhile re-reads once more after it.
  reread.current = async () => {
    if (rereading.current || reading.current !== null) return void (rereadAgain.current = true);
    rereading.current = true;
    rereadAgain.current = false;
    const round = view.current;
    setLoading(true);
    try {
      const nodes = [];
      let emails;
      let after = null;
      for (let count = 0; count < Math.max(1, pagesShown.current); count++) {
        ({ emails } = await request(EMAILS, { ...variables, after }));
        if (round !== view.current) return;
        const shown = new Set(nodes.map((row) => row.id));
        nodes.push(...emails.edges.map((e) => e.node).filter((node) => !shown.has(node.id)));
        after = emails.pageInfo.endCursor;
        if (!emails.pageInfo.hasNextPage) {
          pagesShown.current = count + 1;
          break;
        }
      }
      setRows(nodes);
      setPage({ ...emails.pageInfo, totalCount: emails.totalCount });
      more.current = emails.pageInfo.hasNextPage;
      setProblem(null);
    } catch (error) {
      if (round === view.current) setProblem(error);
    } finally {
      rereading.current = false;
      if (round === view.current) setLoading(false);
      if (rereadAgain.current) reread.current();
    }
  };

  useEffect(() => {
    load(null);
  }, [folder, status, JSON.stringify(filter)]);

  // Live: a change that leaves this view removes its row; one that enters it adds it in its place
  // (with filters the server decides what matches, so the pages shown are read again instead).
  useEffect(() => {
    const inView = (f, s) => f === folder && (!status || s === status);
    return onEmailChange((change) => {
      const wasIn = inView(change.previousFolder, change.previousStatus);
      const isIn = change.email && inView(change.folder, change.newStatus);
      if (!wasIn && !isIn) return;
      if (!isEmpty(filter)) return reread.current();
      // While the first page is on its way, the rows shown are the last view's: keep the change
      // for the page instead.
      if (heardWhileLoading.current) return heardWhileLoading.current.push([change, isIn]);
      setRows((old) => apply(old, change, isIn));
    });
  }, [folder, status, JSON.stringify(filter)]);

  useEffect(() => {
    if (!sentinel.current || !page.hasNextPage) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && !loading) load(page.endCursor);
    });
    observer.observe(sentinel.current);
    return () => observer.disconnect();
  }, [page.endCursor, page.hasNextPage, loading]);

  return html`<section aria-labelledby="emails-title">
    <h1 id="emails-title" class="visually-hidden">Emails: ${label(folder)}</h1>
    <${FolderTabs} folder=${folder} status=${status} />
    <${Filters} filter=${filter} setFilter=${setFilter} />
    <${Problem} error=${problem} />
    <ul class="rows" aria-label="Emails" aria-busy=${loading}>
      ${rows.map((email) => html`<${EmailRow} key=${email.id} email=${email} />`)}
    </ul>
    ${!rows.length && !loading ? html`<p class="empty">No emails here.</p>` : null}
    ${page.hasNextPage
      ? html`<div ref=${sentinel}><button type="button" onClick=${() => load(page.endCursor)} disabled=${loading}>Load more</button></div>`
      : null}
  </section>`;
}
