// Reports: opens, clicks, replies and bounces over time (engagementReport) for the rep, the team
// (admins), a campaign or a template, drawn as a hand-made SVG line chart with the numbers in a
// table beside it (the table is what screen readers and keyboard users read).
import { request } from "../api.js";
import { CampaignPicker, TemplatePicker } from "../picker.js";
import { ENGAGEMENT_REPORT } from "../reports-documents.js";
import { html, label, Problem, useLoad } from "../ui.js";
import { useState } from "../vendor/preact-htm.js";

const METRICS = [
  ["opened", "Opens"],
  ["clicked", "Clicks"],
  ["replied", "Replies"],
  ["bounced", "Bounces"],
];
const percent = (rate) => (rate == null ? "–" : `${Math.round(rate * 100)}%`);

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

// Sum of every series per period: the chart's lines.
function totalsByPeriod(report) {
  return report.periods.map((start) => {
    const sum = Object.fromEntries(METRICS.map(([key]) => [key, 0]));
    for (const series of report.series) {
      const point = series.points.find((p) => p.start === start);
      if (point) for (const [key] of METRICS) sum[key] += point.counts[key];
    }
    return { start, ...sum };
  });
}

export function Chart({ rows }) {
  const width = 640;
  const height = 220;
  const pad = 32;
  const max = Math.max(1, ...rows.flatMap((row) => METRICS.map(([key]) => row[key])));
  const x = (i) => pad + (rows.length < 2 ? 0 : (i * (width - 2 * pad)) / (rows.length - 1));
  const y = (value) => height - pad - (value * (height - 2 * pad)) / max;
  const summary = METRICS.map(([key, name]) => `${name}: ${rows.reduce((n, row) => n + row[key], 0)}`).join(", ");
  return html`<figure class="chart" data-periods=${rows.length}>
    <svg viewBox=${`0 0 ${width} ${height}`} role="img" aria-label=${`Engagement over time. ${summary}`}>
      <line x1=${pad} y1=${height - pad} x2=${width - pad} y2=${height - pad} class="axis" />
      <line x1=${pad} y1=${pad} x2=${pad} y2=${height - pad} class="axis" />
      <text x=${pad - 4} y=${pad} class="tick" text-anchor="end">${max}</text>
      <text x=${pad - 4} y=${height - pad} class="tick" text-anchor="end">0</text>
      ${rows.length ? html`<text x=${pad} y=${height - 8} class="tick">${rows[0].start}</text>
        <text x=${width - pad} y=${height - 8} class="tick" text-anchor="end">${rows[rows.length - 1].start}</text>` : null}
      ${METRICS.map(
        ([key]) => html`<polyline class=${`line line-${key}`} data-metric=${key}
          points=${rows.map((row, i) => `${x(i)},${y(row[key])}`).join(" ")} />`,
      )}
    </svg>
    <figcaption class="legend">${METRICS.map(([key, name]) => html`<span class=${`key key-${key}`}>${name}</span>`)}</figcaption>
  </figure>`;
}

const DAY = 24 * 3600 * 1000;

// The report's arguments from the form: who (me or the team), which campaign/template, split by
// what, per day or week, over a preset or a chosen range.
function reportVariables(form, me) {
  const to = new Date();
  const range = form.days === "custom"
    ? { from: form.from, to: form.to }
    : { from: isoDay(new Date(to.getTime() - Number(form.days) * DAY)), to: isoDay(to) };
  const filter = {
    senderIds: form.scope === "ME" ? [me.id] : null,
    campaignIds: form.campaign ? [form.campaign.id] : null,
    templateIds: form.template ? [form.template.id] : null,
    includeMachineOpens: form.machine,
  };
  return { groupBy: form.groupBy, by: form.by, range, filter };
}

// A refused report (REPORT_RANGE_TOO_LONG, INVALID_INPUT): the API's words, next to the range.
function RangeError({ error }) {
  const first = error?.errors?.[0];
  if (!first) return null;
  return html`<p class="problem" role="alert" data-code=${first.extensions?.code}>${first.message}</p>`;
}

// The campaign and template are search pickers (any the API can find); emptied, "any".
function Options({ form, set, pick, admin }) {
  return html`<form class="filters" onSubmit=${(event) => event.preventDefault()} aria-label="Report options">
      <label>For <select aria-label="For" value=${form.scope} onChange=${set("scope")}>
        <option value="ME">Me</option>${admin ? html`<option value="TEAM">The team</option>` : null}</select></label>
      <${CampaignPicker} label="Campaign" name="campaignId" picked=${form.campaign} placeholder="Any" onPick=${pick("campaign")} />
      <${TemplatePicker} label="Template" name="templateId" picked=${form.template} placeholder="Any" onPick=${pick("template")} />
      <label>Split by <select aria-label="Split by" value=${form.by} onChange=${set("by")}>
        <option value="SENDER">Sender</option><option value="CAMPAIGN">Campaign</option><option value="TEMPLATE">Template</option></select></label>
      <label>Per <select aria-label="Per" value=${form.groupBy} onChange=${set("groupBy")}><option value="DAY">Day</option><option value="WEEK">Week</option></select></label>
      <label>Range <select aria-label="Range" value=${form.days} onChange=${set("days")}>
        <option value="7">Last 7 days</option><option value="30">Last 30 days</option><option value="90">Last 90 days</option>
        <option value="custom">Chosen dates</option></select></label>
      ${form.days === "custom"
        ? html`<label>From <input aria-label="From" type="date" value=${form.from} onChange=${set("from")} /></label>
          <label>To <input aria-label="To" type="date" value=${form.to} onChange=${set("to")} /></label>`
        : null}
      <label class="check"><input type="checkbox" checked=${form.machine} onChange=${set("machine")} /> Count machine opens</label>
    </form>`;
}

export function Reports({ me }) {
  const admin = me.role !== "MEMBER";
  const today = isoDay(new Date());
  const [form, setForm] = useState({
    groupBy: "DAY", by: "SENDER", scope: "ME", days: "30", campaign: null, template: null, machine: false,
    from: isoDay(new Date(Date.now() - 30 * DAY)), to: today,
  });
  const set = (key) => (event) =>
    setForm({ ...form, [key]: event.target.type === "checkbox" ? event.target.checked : event.target.value });
  const pick = (key) => (item) => setForm((old) => ({ ...old, [key]: item }));
  const variables = reportVariables(form, me);
  const report = useLoad(() => request(ENGAGEMENT_REPORT, variables), [JSON.stringify(variables)]);
  const data = report.data?.engagementReport;
  return html`<section aria-labelledby="reports-title" class="reports">
    <h1 id="reports-title">Reports</h1>
    <${Options} form=${form} set=${set} pick=${pick} admin=${admin} />
    ${report.error?.errors ? html`<${RangeError} error=${report.error} />` : html`<${Problem} error=${report.error} />`}
    ${data && !report.error
      ? html`<p class="meta" data-sent=${data.total.sent} data-opened=${data.total.opened} data-clicked=${data.total.clicked}
          data-replied=${data.total.replied} data-bounced=${data.total.bounced}>
          ${`${data.from} – ${data.to} (${data.timeZone}) · sent ${data.total.sent} · opened ${percent(data.total.openRate)}`}
          ${` · replied ${percent(data.total.replyRate)} · bounced ${percent(data.total.bounceRate)}`}</p>
        <${Chart} rows=${totalsByPeriod(data)} />
        <div class="table-scroll" tabindex="0" role="region" aria-label="Totals"><table aria-label=${`Totals by ${label(data.by)}`}>
          <thead><tr><th scope="col">${label(data.by)}</th><th scope="col">Sent</th><th scope="col">Opens</th>
            <th scope="col">Clicks</th><th scope="col">Replies</th><th scope="col">Bounces</th></tr></thead>
          <tbody>${data.series.map(
            (s) => html`<tr data-key=${s.key || ""}><th scope="row">${s.label}</th><td>${s.total.sent}</td><td>${s.total.opened}</td>
              <td>${s.total.clicked}</td><td>${s.total.replied}</td><td>${s.total.bounced}</td></tr>`,
          )}</tbody>
        </table></div>`
      : report.error ? null : html`<p class="loading">Loading…</p>`}
  </section>`;
}
