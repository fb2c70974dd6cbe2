// Campaigns: the list, then one campaign's steps, per-step stats and its members by state (with
// how many are in each; 100 a page, "Load more"), kept live by campaignMembershipChanged; its owner (or a team admin) can
// activate, pause and resume it from here.
import { request } from "../api.js";
import {
  ACTIVATE_CAMPAIGN, CAMPAIGN, CAMPAIGN_CHANGES, CAMPAIGN_MEMBERS, CAMPAIGNS, PAUSE_CAMPAIGN, RESUME_CAMPAIGN,
} from "../documents.js";
import { onReconnect, subscribe } from "../live.js";
import { More, usePages } from "../pages.js";
import { FormErrors, formatTime, html, label, Problem, useLoad } from "../ui.js";
import { useEffect, useState } from "../vendor/preact-htm.js";

const STATES = ["ACTIVE", "PAUSED", "FINISHED", "REPLIED", "BOUNCED", "UNSUBSCRIBED", "REMOVED"];
const percent = (rate) => (rate == null ? "–" : `${Math.round(rate * 100)}%`);
// What each status lets the campaign's editors do next.
const NEXT = {
  DRAFT: [ACTIVATE_CAMPAIGN, "activateCampaign", "Activate"],
  ACTIVE: [PAUSE_CAMPAIGN, "pauseCampaign", "Pause"],
  PAUSED: [RESUME_CAMPAIGN, "resumeCampaign", "Resume"],
};

// The list, by name, 50 at a time: "Load more" reads the next page (every campaign is reachable).
export function Campaigns() {
  const [list, setList] = useState(null);
  const [problem, setProblem] = useState(null);
  const [loading, setLoading] = useState(false);
  const load = async (after) => {
    setLoading(true);
    try {
      const { campaigns } = await request(CAMPAIGNS, { after });
      setList((old) => ({ nodes: [...(after ? old.nodes : []), ...campaigns.nodes], pageInfo: campaigns.pageInfo }));
      setProblem(null);
    } catch (error) {
      setProblem(error);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    load(null);
  }, []);
  return html`<section aria-labelledby="campaigns-title">
    <h1 id="campaigns-title">Campaigns</h1>
    <${Problem} error=${problem} />
    <ul class="rows" aria-label="Campaigns" aria-busy=${loading}>
      ${list?.nodes.map(
        (c) => html`<li class="row" key=${c.id} data-campaign=${c.id}><a href=${`#/campaign/${encodeURIComponent(c.id)}`}>
          <span class="subject">${c.name}</span> <span class="badge">${label(c.status)}</span>
          <span class="meta">${c.steps.length} steps · ${c.stats.total.people} people · ${c.stats.total.sent} sent · ${c.stats.total.replied} replied
            ${c.owner ? ` · ${c.owner.name}` : ""}${c.shared ? "" : " · private"}</span>
        </a></li>`,
      )}
    </ul>
    ${list && !list.nodes.length ? html`<p class="empty">No campaigns yet.</p>` : null}
    ${list?.pageInfo.hasNextPage
      ? html`<button type="button" onClick=${() => load(list.pageInfo.endCursor)} disabled=${loading}>Load more</button>`
      : null}
  </section>`;
}

function StatsRow({ row, name }) {
  return html`<tr data-step=${row.step ?? "total"}><th scope="row">${name}</th><td>${row.people}</td><td>${row.sent}</td>
    <td>${row.delivered}</td><td>${row.opened} (${percent(row.openRate)})</td><td>${row.clicked} (${percent(row.clickRate)})</td>
    <td>${row.replied} (${percent(row.replyRate)})</td><td>${row.bounced}</td><td>${row.unsubscribed}</td></tr>`;
}

function StatusAction({ campaign, onDone }) {
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState(false);
  const next = campaign.viewerCanEdit && NEXT[campaign.status];
  if (!next) return null;
  const [document, field, text] = next;
  const run = async () => {
    setBusy(true);
    try {
      const result = (await request(document, { input: { id: campaign.id } }))[field];
      setErrors(result.userErrors);
      if (!result.userErrors.length) onDone();
    } catch (error) {
      setErrors([{ message: String(error.message), code: "REQUEST_FAILED" }]);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="actions" role="group" aria-label="Campaign actions">
    <button type="button" onClick=${run} disabled=${busy}>${text}</button>
    <${FormErrors} errors=${errors} />
  </div>`;
}

const stepText = (s) => s.subject || (s.replyInThread ? "a reply in the thread" : s.title) || "(untitled)";

export function Campaign({ id, state }) {
  const campaignId = decodeURIComponent(id);
  const loaded = useLoad(() => request(CAMPAIGN, { id: campaignId, state: state || null }), [campaignId, state]);
  const members = usePages(
    async (after) => (await request(CAMPAIGN_MEMBERS, { id: campaignId, state: state || null, after })).campaign?.members
      ?? { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } },
    [campaignId, state],
  );
  useEffect(() => {
    const again = () => (loaded.reload(), members.reload());
    const stops = [subscribe(CAMPAIGN_CHANGES, { campaignId }, again), onReconnect(again)];
    return () => stops.forEach((stop) => stop());
  }, [campaignId]);
  if (loaded.error) return html`<${Problem} error=${loaded.error} />`;
  const campaign = loaded.data?.campaign;
  if (!loaded.data) return html`<p class="loading">Loading…</p>`;
  if (!campaign) return html`<p class="problem">No such campaign.</p>`;
  const tab = (s, text, count) => html`<a href=${`#/campaign/${id}${s ? `/${s}` : ""}`} data-state=${s || "ALL"}
    aria-current=${(state || null) === s ? "page" : null}>${text} <span class="count">${count}</span></a>`;
  return html`<article aria-labelledby="campaign-title" class="campaign">
    <p><a href="#/campaigns">← Campaigns</a></p>
    <h1 id="campaign-title">${campaign.name} <span class="badge" data-status=${campaign.status}>${label(campaign.status)}</span></h1>
    <${StatusAction} campaign=${campaign} onDone=${loaded.reload} />
    <h2>Steps</h2>
    <ol class="steps">${campaign.steps.map(
      (s) => html`<li key=${s.id}>${label(s.kind)} after ${s.delayDays} ${s.delayDays === 1 ? "day" : "days"}: ${stepText(s)}</li>`,
    )}</ol>
    <h2>Stats</h2>
    <div class="table-scroll" tabindex="0" role="region" aria-label="Stats per step"><table>
      <thead><tr><th scope="col">Step</th><th scope="col">People</th><th scope="col">Sent</th><th scope="col">Delivered</th>
        <th scope="col">Opened</th><th scope="col">Clicked</th><th scope="col">Replied</th><th scope="col">Bounced</th>
        <th scope="col">Unsubscribed</th></tr></thead>
      <tbody>
        ${campaign.stats.steps.map((row) => html`<${StatsRow} key=${row.step} row=${row} name=${`Step ${row.step}`} />`)}
        <${StatsRow} row=${campaign.stats.total} name="Total" />
      </tbody>
    </table></div>
    <h2>Members (${campaign.members.totalCount})</h2>
    <nav class="subtabs" aria-label="Member states">
      ${tab(null, "All", campaign.all.totalCount)}
      ${STATES.map((s) => tab(s, label(s), campaign[s.toLowerCase()].totalCount))}
    </nav>
    <${Problem} error=${members.error} />
    <ul class="rows" aria-label="Members" aria-busy=${members.busy}>
      ${(members.nodes || []).map(
        (m) => html`<li class="row" key=${m.id} data-member=${m.id} data-state=${m.state}><span class="subject">${m.person?.fullName || "(gone)"}</span>
          <span class="badge">${label(m.state)}</span>
          <span class="meta">step ${m.currentStep}${m.state === "ACTIVE" && m.nextDueAt ? ` · next ${formatTime(m.nextDueAt)}` : ""}${m.stopReason ? ` · ${label(m.stopReason)}` : ""}</span></li>`,
      )}
    </ul>
    <${More} list=${members} what="members" />
  </article>`;
}
