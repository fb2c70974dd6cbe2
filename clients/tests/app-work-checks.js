// What app-work.test.js compares and sets up: each check waits until what the page shows equals
// what the public API answers now (never a number read earlier: the demo's campaign keeps working
// meanwhile), and the set-ups make their changes through the API (or as a prospect would: the
// tracking pixel, a reply posted to /inbound). `useApp` hands them the open app.
import assert from "node:assert/strict";
import { openTrackingPixel, WAIT } from "./app-harness.js";
import { post } from "./server.js";

let app;
let page;
export const stamp = Date.now();
export function useApp(opened) {
  app = opened;
  page = opened.page;
}
export const api = (query, variables) => post(app.server, query, variables);

// A day as <input type="date"> writes it, in this machine's time zone (the browser's too).
export const localDay = (offset) => {
  const date = new Date();
  date.setDate(date.getDate() + offset);
  return [date.getFullYear(), date.getMonth() + 1, date.getDate()].map((n) => String(n).padStart(2, "0")).join("-");
};

export const TASK = `query($id: ID!) { task(id: $id) { status snoozed snoozedUntil dueAt } }`;
export const CREATE_TASK = `mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { code } } }`;
export const COMPLETE_TASK = `mutation($id: ID!) { completeTask(input: { id: $id }) { userErrors { code } } }`;

// Run `body` while the signed-in rep's profile says `timezone` and a working day starting at `start`;
// the profile is put back after.
const UPDATE_ME = `mutation($input: UpdateMeInput!) { updateMe(input: $input) { userErrors { code } } }`;
export async function asRepIn(timezone, start, body) {
  const { me } = await api(`{ me { timezone workingHours { days start end } } }`);
  const input = { timezone, workingHours: { ...me.workingHours, start } };
  assert.deepEqual((await api(UPDATE_ME, { input })).updateMe.userErrors, []);
  try {
    await body();
  } finally {
    await api(UPDATE_ME, { input: me });
  }
}

// `n` CALL tasks due in five days (UPCOMING), made five at a time.
export async function tasksDueInFiveDays(n) {
  const dueAt = new Date(Date.now() + 5 * 24 * 3600 * 1000).toISOString();
  for (let i = 0; i < n; i += 5) {
    const batch = [0, 1, 2, 3, 4].filter((k) => i + k < n);
    await Promise.all(batch.map((k) => api(CREATE_TASK, { input: { type: "CALL", title: `Later ${i + k} ${stamp}`, dueAt } })));
  }
}

const TASK_VIEWS = ["today", "overdue", "upcoming", "completed"];

const TASK_COUNTS = `{ taskCounts { ${TASK_VIEWS.join(" ")} } }`;

// The shown task counts catch up with the API's (a campaign may add tasks meanwhile).
export async function taskCountsMatchTheApi() {
  let seen;
  await app.waitUntil(async () => {
    const shown = {};
    for (const view of TASK_VIEWS) shown[view] = await page.locator(`[data-count="tasks-${view}"]`).textContent();
    const { taskCounts } = await api(TASK_COUNTS);
    seen = { api: taskCounts, shown };
    return TASK_VIEWS.every((view) => String(taskCounts[view]) === shown[view]);
  }, "the task counts shown equal taskCounts").catch((error) => {
    throw new Error(`${error.message}: ${JSON.stringify(seen)}`);
  });
}

// The open list shows the API's list of that view (titles, in order).
export async function taskListMatchesTheApi(view) {
  await app.waitUntil(async () => {
    const { tasks } = await api(`query($view: TaskView!) { tasks(view: $view, first: 50) { nodes { title } } }`, { view });
    const shown = await page.locator("li.task .subject").allTextContents();
    return JSON.stringify(shown) === JSON.stringify(tasks.nodes.map((task) => task.title));
  }, `the ${view} list equals the API's`);
}

// A campaign of two automatic email steps (the second 3 days later), open all week, with a new person in it: its email goes
// out through the real engine and SMTP capture, tracking pixel included.
export const CAMPAIGN_EMAIL = `query($id: ID!) { emails(filter: { campaignId: $id }, first: 5) { nodes { id status messageId viewCount } } }`;
export async function campaignWithOneEmail(name, person) {
  const { createPerson } = await api(
    `mutation($input: CreatePersonInput!) { createPerson(input: $input) { person { id fullName email } } }`,
    { input: person },
  );
  const window = { days: ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"], startTime: "00:00", endTime: "24:00" };
  const { createCampaign } = await api(
    `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } userErrors { code } } }`,
    { input: { name, skipWeekends: false, sendWindow: window } },
  );
  const campaignId = createCampaign.campaign.id;
  const step = { campaignId, kind: "AUTO_EMAIL", delayDays: 0, subject: `An idea for {{first_name}} ${stamp}` };
  step.bodyHtml = `<p>Hi {{first_name}}, <a href="https://example.com/idea">the idea</a>.</p>`;
  const bump = { campaignId, kind: "AUTO_EMAIL", delayDays: 3, replyInThread: true, bodyText: "Bumping this up." };
  for (const input of [step, bump]) {
    await api(`mutation($input: AddCampaignStepInput!) { addCampaignStep(input: $input) { userErrors { code } } }`, { input });
  }
  await api(`mutation($id: ID!) { activateCampaign(input: { id: $id }) { userErrors { code } } }`, { id: campaignId });
  await addToCampaign(campaignId, [createPerson.person.id]);
  const email = await app.waitUntil(async () => {
    const found = (await api(CAMPAIGN_EMAIL, { id: campaignId })).emails.nodes[0];
    return found?.status === "DELIVERED" && found;
  }, "the campaign's email is delivered");
  return { campaignId, person: createPerson.person, email };
}

// A campaign paused as soon as activated (nothing goes out) with `n` new people in it; add(k) adds k more.
export async function pausedCampaignWith(n) {
  const { createCampaign } = await api(
    `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }`,
    { input: { name: `Crowd ${stamp}` } },
  );
  const id = createCampaign.campaign.id;
  await api(`mutation($input: AddCampaignStepInput!) { addCampaignStep(input: $input) { userErrors { code } } }`,
    { input: { campaignId: id, kind: "AUTO_EMAIL", delayDays: 0, subject: "Hello", bodyText: "Hi." } });
  for (const action of ["activateCampaign", "pauseCampaign"]) {
    await api(`mutation($id: ID!) { ${action}(input: { id: $id }) { userErrors { code } } }`, { id });
  }
  let made = 0;
  const add = async (count) => {
    const people = await Promise.all(Array.from({ length: count }, () => made++).map((i) => api(
      `mutation($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }`,
      { input: { email: `crowd.${i}.${stamp}@work.example`, firstName: "Crowd", lastName: `Member${i}` } },
    )));
    await addToCampaign(id, people.map((p) => p.createPerson.person.id));
  };
  await add(n);
  return { id, add };
}

async function addToCampaign(campaignId, personIds) {
  const input = { campaignId, personIds, idempotencyKey: `work-${Date.now()}-${Math.random()}` };
  const { addPeopleToCampaign } = await api(
    `mutation($input: AddPeopleToCampaignInput!) { addPeopleToCampaign(input: $input) { added userErrors { code } } }`,
    { input },
  );
  assert.equal(addPeopleToCampaign.added, personIds.length, JSON.stringify(addPeopleToCampaign));
}

// More than a page (100) of campaigns and of templates, named to sort before the tests' own ones
// ("Bulk …" < "Q4 …", "Work …"): those are then reachable only by searching.
export async function manyCampaignsAndTemplates(n = 105) {
  const number = (i) => String(i).padStart(3, "0");
  for (let i = 0; i < n; i += 5) {
    await Promise.all([0, 1, 2, 3, 4].filter((k) => i + k < n).flatMap((k) => [
      api(`mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { userErrors { code } } }`,
        { input: { name: `Bulk campaign ${number(i + k)} ${stamp}` } }),
      api(`mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { userErrors { code } } }`,
        { input: { name: `Bulk template ${number(i + k)} ${stamp}`, subject: "Bulk", bodyText: "Bulk." } }),
    ]));
  }
}

// The item is not on the first page (100) of that list: no first-page choice could reach it.
export async function beyondTheFirstPage(list, id) {
  const first = (await api(`{ ${list}(first: 100) { pageInfo { hasNextPage } nodes { id } } }`))[list];
  assert.ok(first.pageInfo.hasNextPage && !first.nodes.some((node) => node.id === id), `${id} is beyond the first 100 ${list}`);
}

// Pick in a search picker (combobox): type, wait for the match to be the active option, Enter.
export async function pick(combobox, text) {
  await combobox.fill(text);
  const option = page.getByRole("option", { name: text, exact: true });
  await option.waitFor({ timeout: WAIT });
  await app.waitUntil(async () => (await option.getAttribute("aria-selected")) === "true", `${text} is the active option`);
  await combobox.press("Enter");
  await app.waitUntil(async () => (await combobox.getAttribute("aria-expanded")) === "false", "the picker closed");
  assert.equal(await combobox.inputValue(), text);
}

// The open SENT list shows the API's list for that filter (ids, in order; not empty): its ids.
export const FILTERED = `query($filter: EmailFilter) { emails(folder: SENT, filter: $filter, first: 25) { nodes { id campaign { id } } } }`;
export async function sentListMatchesTheApi(filter) {
  let seen;
  await app.waitUntil(async () => {
    const { emails } = await api(FILTERED, { filter });
    const shown = await page.getByRole("list", { name: "Emails" }).locator("li.row").evaluateAll((items) => items.map((li) => li.dataset.email));
    seen = { api: emails.nodes.map((email) => email.id), shown };
    return emails.nodes.length > 0 && JSON.stringify(seen.api) === JSON.stringify(shown);
  }, "the list shows the API's emails for the filter").catch((error) => {
    throw new Error(`${error.message}: ${JSON.stringify(seen)}`);
  });
  return seen.shown;
}

// On the campaigns list, "Load more" until the named campaign is listed; the pages shown are the
// API's (names, in order).
export async function loadMoreCampaignsUntil(name) {
  const list = page.getByRole("list", { name: "Campaigns" }).locator("li");
  while (!(await list.filter({ hasText: name }).count())) {
    const shown = await list.count();
    await page.getByRole("button", { name: "Load more" }).click();
    await app.waitUntil(async () => (await list.count()) > shown, "the next page of campaigns");
  }
  const names = [];
  const shown = await list.locator(".subject").allTextContents();
  for (let after = null, more = true; more;) {
    const { campaigns } = await api(
      `query($after: String) { campaigns(first: 50, after: $after) { pageInfo { hasNextPage endCursor } nodes { name } } }`, { after });
    names.push(...campaigns.nodes.map((c) => c.name));
    [after, more] = [campaigns.pageInfo.endCursor, campaigns.pageInfo.hasNextPage && names.length < shown.length];
  }
  assert.deepEqual(shown, names, "the pages shown are the API's");
}

// The prospect opens: the tracking pixel of the mail as it went out (in the captured .eml).
export const openTheEmail = (email) => openTrackingPixel(app.server, email, app.waitUntil);

// The prospect replies (POST /inbound, as a webhook provider delivers mail), in the email's thread.
export async function reply(email, from, words) {
  const messageId = email.messageId.startsWith("<") ? email.messageId : `<${email.messageId}>`;
  const message = [
    `From: <${from}>`, "To: rep@command-center.local", "Subject: Re: your idea", `Message-ID: <${Date.now()}@prospect.example>`,
    `In-Reply-To: ${messageId}`, `References: ${messageId}`, "Content-Type: text/plain; charset=utf-8", "", words,
  ].join("\r\n");
  const response = await fetch(`${app.server.url}/inbound`, {
    method: "POST", headers: { authorization: "Bearer inbound-test", "content-type": "message/rfc822" }, body: message,
  });
  assert.equal(response.status, 202);
}

export const MEMBERS = `query($id: ID!, $state: CampaignMembershipState) {
  campaign(id: $id) { members(first: 100, filter: { state: $state }) { totalCount nodes { state person { id fullName } } } }
}`;
// The campaign page's member list (of one state, or all) is the API's, in the same order.
export async function membersMatchTheApi(id, state = null) {
  let seen;
  await app.waitUntil(async () => {
    const { campaign } = await api(MEMBERS, { id, state });
    const shown = await page.getByRole("list", { name: "Members" }).locator("li .subject").allTextContents();
    seen = { api: campaign.members.nodes.map((m) => m.person?.fullName || "(gone)"), shown };
    return JSON.stringify(seen.api) === JSON.stringify(shown);
  }, `the ${state || "all"} members equal the API's`).catch((error) => {
    throw new Error(`${error.message}: ${JSON.stringify(seen)}`);
  });
}

export const CAMPAIGN = `query($id: ID!) {
  campaign(id: $id) {
    status steps { subject title }
    stats { steps { step people sent delivered opened clicked replied bounced unsubscribed }
      total { step people sent delivered opened clicked replied bounced unsubscribed } }
    ${["ACTIVE", "PAUSED", "FINISHED", "REPLIED", "BOUNCED", "UNSUBSCRIBED", "REMOVED"]
      .map((state) => `${state}: members(first: 0, filter: { state: ${state} }) { totalCount }`).join(" ")}
  }
}`;
const STATS = ["people", "sent", "delivered", "opened", "clicked", "replied", "bounced", "unsubscribed"];

// The open campaign page shows the API's steps, per-step and total stats and per-state counts;
// every state's member list is the API's.
export async function campaignPageMatchesTheApi(id) {
  let seen;
  const { campaign } = await app.waitUntil(async () => {
    const data = await api(CAMPAIGN, { id });
    const shown = await page.evaluate(() => ({
      status: document.querySelector("#campaign-title .badge")?.dataset.status,
      steps: [...document.querySelectorAll(".steps li")].map((li) => li.textContent),
      stats: [...document.querySelectorAll("tr[data-step]")].map((tr) => [tr.dataset.step, ...[...tr.cells].slice(1).map((td) => parseInt(td.textContent, 10))]),
      states: Object.fromEntries([...document.querySelectorAll(".subtabs a")].map((a) => [a.dataset.state, Number(a.querySelector(".count").textContent)])),
    }));
    const { stats } = data.campaign;
    const expected = {
      status: data.campaign.status,
      stats: [...stats.steps, stats.total].map((row) => [String(row.step ?? "total"), ...STATS.map((key) => row[key])]),
      states: Object.fromEntries(["ACTIVE", "PAUSED", "FINISHED", "REPLIED", "BOUNCED", "UNSUBSCRIBED", "REMOVED"].map((s) => [s, data.campaign[s].totalCount])),
    };
    expected.states.ALL = Object.values(expected.states).reduce((a, b) => a + b, 0);
    seen = { expected, shown };
    const steps = data.campaign.steps.every((step, i) => shown.steps[i]?.includes(step.subject || step.title));
    const same = JSON.stringify({ ...expected, states: null }) === JSON.stringify({ ...shown, steps: undefined, states: null });
    const states = Object.entries(expected.states).every(([s, n]) => shown.states[s] === n);
    return steps && same && states && shown.steps.length === data.campaign.steps.length && data;
  }, "the campaign page equals the API").catch((error) => {
    throw new Error(`${error.message}: ${JSON.stringify(seen)}`);
  });
  return campaign;
}

export async function eachStateMatchesTheApi(id, campaign) {
  for (const state of ["ALL", "ACTIVE", "PAUSED", "FINISHED", "REPLIED", "BOUNCED", "UNSUBSCRIBED", "REMOVED"]) {
    if (state !== "ALL" && !campaign[state].totalCount) continue;
    await page.locator(`.subtabs a[data-state="${state}"]`).click();
    await page.locator(`.subtabs a[data-state="${state}"][aria-current="page"]`).waitFor({ timeout: WAIT });
    await membersMatchTheApi(id, state === "ALL" ? null : state);
  }
}

export const REPORT = `query($groupBy: ReportInterval!, $by: ReportDimension!, $range: ReportRange!, $filter: EngagementReportFilter) {
  engagementReport(groupBy: $groupBy, by: $by, range: $range, filter: $filter) {
    periods total { sent opened clicked replied bounced } series { key label total { sent opened clicked replied bounced } }
  }
}`;
const METRICS = ["sent", "opened", "clicked", "replied", "bounced"];
export const isoDay = (date) => date.toISOString().slice(0, 10);

// What the Reports screen draws (totals, one chart point per period, the table by series) is the
// API's engagementReport for the same arguments.
export async function reportMatchesTheApi(variables) {
  let seen;
  await app.waitUntil(async () => {
    const { engagementReport: report } = await api(REPORT, variables);
    const shown = await page.evaluate(() => {
      const meta = document.querySelector(".reports [data-sent]");
      return {
        total: meta && Object.fromEntries(["sent", "opened", "clicked", "replied", "bounced"].map((k) => [k, Number(meta.dataset[k])])),
        periods: Number(document.querySelector(".chart")?.dataset.periods),
        points: [...document.querySelectorAll(".chart polyline")].map((line) => line.getAttribute("points").trim().split(/\s+/).length),
        series: [...document.querySelectorAll(".reports tbody tr")].map((tr) => [tr.cells[0].textContent, ...[...tr.cells].slice(1).map((td) => Number(td.textContent))]),
      };
    });
    const expected = {
      total: report.total,
      periods: report.periods.length,
      points: [1, 2, 3, 4].map(() => report.periods.length),
      series: report.series.map((s) => [s.label, ...METRICS.map((key) => s.total[key])]),
    };
    seen = { variables, expected, shown };
    return JSON.stringify(expected) === JSON.stringify(shown);
  }, "the report shown equals engagementReport").catch((error) => {
    throw new Error(`${error.message}: ${JSON.stringify(seen)}`);
  });
}
