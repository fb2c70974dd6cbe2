// Campaigns: the list, then one campaign's steps, per-step stats and its members by state.
import { request } from "../api.js";
import { CAMPAIGN, CAMPAIGNS } from "../documents.js";
import { formatTime, html, label, Problem, useLoad } from "../ui.js";

const STATES = ["ACTIVE", "PAUSED", "FINISHED", "REPLIED", "BOUNCED", "UNSUBSCRIBED", "REMOVED"];
const percent = (rate) => (rate == null ? "–" : `${Math.round(rate * 100)}%`);

export function Campaigns() {
  const list = useLoad(() => request(CAMPAIGNS), []);
  return html`<section aria-labelledby="campaigns-title">
    <h1 id="campaigns-title">Campaigns</h1>
    <${Problem} error=${list.error} />
    <ul class="rows" aria-label="Campaigns">
      ${list.data?.campaigns.nodes.map(
        (c) => html`<li class="row" key=${c.id}><a href=${`#/campaign/${encodeURIComponent(c.id)}`}>
          <span class="subject">${c.name}</span> <span class="badge">${label(c.status)}</span>
          <span class="meta">${c.stats.total.people} people · ${c.stats.total.sent} sent · ${c.stats.total.replied} replied</span>
        </a></li>`,
      )}
    </ul>
  </section>`;
}

function StatsRow({ row, name }) {
  return html`<tr><th scope="row">${name}</th><td>${row.people}</td><td>${row.sent}</td><td>${row.delivered}</td>
    <td>${row.opened} (${percent(row.openRate)})</td><td>${row.clicked}</td><td>${row.replied} (${percent(row.replyRate)})</td><td>${row.bounced}</td></tr>`;
}

export function Campaign({ id, state }) {
  const campaignId = decodeURIComponent(id);
  const loaded = useLoad(() => request(CAMPAIGN, { id: campaignId, state: state || null }), [campaignId, state]);
  if (loaded.error) return html`<${Problem} error=${loaded.error} />`;
  const campaign = loaded.data?.campaign;
  if (!loaded.data) return html`<p class="loading">Loading…</p>`;
  if (!campaign) return html`<p class="problem">No such campaign.</p>`;
  return html`<article aria-labelledby="campaign-title">
    <p><a href="#/campaigns">← Campaigns</a></p>
    <h1 id="campaign-title">${campaign.name} <span class="badge">${label(campaign.status)}</span></h1>
    <h2>Steps</h2>
    <ol class="steps">${campaign.steps.map(
      (s) => html`<li>${label(s.kind)} after ${s.delayDays} days: ${s.subject || s.title}</li>`,
    )}</ol>
    <h2>Stats</h2>
    <div class="table-scroll"><table>
      <thead><tr><th scope="col">Step</th><th scope="col">People</th><th scope="col">Sent</th><th scope="col">Delivered</th>
        <th scope="col">Opened</th><th scope="col">Clicked</th><th scope="col">Replied</th><th scope="col">Bounced</th></tr></thead>
      <tbody>
        ${campaign.stats.steps.map((row) => html`<${StatsRow} row=${row} name=${`Step ${row.step}`} />`)}
        <${StatsRow} row=${campaign.stats.total} name="Total" />
      </tbody>
    </table></div>
    <h2>Members (${campaign.members.totalCount})</h2>
    <nav class="subtabs" aria-label="Member states">
      <a href=${`#/campaign/${id}`} aria-current=${state ? null : "page"}>All</a>
      ${STATES.map((s) => html`<a href=${`#/campaign/${id}/${s}`} aria-current=${s === state ? "page" : null}>${label(s)}</a>`)}
    </nav>
    <ul class="rows" aria-label="Members">
      ${campaign.members.nodes.map(
        (m) => html`<li class="row" key=${m.id}><span class="subject">${m.person?.fullName || "(gone)"}</span>
          <span class="badge">${label(m.state)}</span>
          <span class="meta">step ${m.currentStep}${m.nextDueAt ? ` · next ${formatTime(m.nextDueAt)}` : ""}${m.stopReason ? ` · ${label(m.stopReason)}` : ""}</span></li>`,
      )}
    </ul>
  </article>`;
}
