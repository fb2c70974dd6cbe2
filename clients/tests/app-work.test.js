// The web app's work screens (graph/static/app/screens/tasks.js, search.js, campaigns.js,
// reports.js) in a real headless Chromium against a real `command-center serve`, each checked
// against the public API: tasks skipped and snoozed from the app (by keyboard; until the start of
// the rep's working day in the zone of their profile, not the browser's) and completed by another
// client leave their view live, with live counts, and a completed one is reopened; tasks and a
// campaign's members page beyond their first page and keep their pages through a live change; an
// advanced search built and saved in the app whose rows enter and fade live, with follow-up tasks
// and a campaign launch from it; campaigns' steps, stats and members by state, paused and resumed;
// reports re-drawn per day or week and by sender, campaign or template, and the API's error for a
// too-long range. Over more than 100 campaigns and templates, every campaign and template picker
// (the emails list's filter, the builder's condition, "add them to the campaign", the report's)
// reaches one beyond the first 100 by searching. At phone width nothing overflows sideways, and
// every control has an accessible name. No request leaves the machine; screenshots land in
// test-artifacts/app/.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  asRepIn, CAMPAIGN, CAMPAIGN_EMAIL, COMPLETE_TASK, CREATE_TASK, MEMBERS, REPORT, TASK, api, beyondTheFirstPage,
  campaignPageMatchesTheApi, campaignWithOneEmail, eachStateMatchesTheApi, FILTERED, isoDay, loadMoreCampaignsUntil,
  localDay, manyCampaignsAndTemplates, membersMatchTheApi, openTheEmail, pausedCampaignWith, pick, reply,
  reportMatchesTheApi, sentListMatchesTheApi, stamp, taskCountsMatchTheApi, tasksDueInFiveDays, taskListMatchesTheApi,
  useApp,
} from "./app-work-checks.js";
import { fitsTheWidth, openApp, unnamedControls, WAIT } from "./app-harness.js";
import { fewestRows, loadEveryPage, rowsEqualTheApi, useApp as useListChecks, watchRowCount, wholeList } from "./app-list-checks.js";
import { post } from "./server.js";

let app;
let page;
const BROWSER_ZONE = "America/Los_Angeles";

before(async () => {
  // Opens count as the prospect's at once (no machine window), replies come in over HTTP.
  // The browser keeps Los Angeles time: the rep's own zone (their profile) must win over it.
  app = await openApp({ env: { CC_MACHINE_ENGAGEMENT_SECONDS: "0", CC_INBOUND_TOKEN: "inbound-test" }, timezoneId: BROWSER_ZONE });
  page = app.page;
  useApp(app);
  useListChecks(app);
  await manyCampaignsAndTemplates();
});

after(async () => {
  await app?.close();
});

const rowOf = (text) => page.locator("li.row", { hasText: text });


test("tasks: skip and snooze by keyboard (in the rep's zone), a completion elsewhere, reopen; rows and counts follow live", async () => {
  // The rep works in Kolkata (UTC+05:30) from 08:30, on a laptop set to Los Angeles time.
  await asRepIn("Asia/Kolkata", "08:30", tasksFollowLive);
});

async function tasksFollowLive() {
  await page.goto(`${app.proxy.url}/${new URL(app.server.appUrl).hash}`);
  assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), BROWSER_ZONE);
  await app.live();
  await app.go("#/tasks/TODAY");
  await taskCountsMatchTheApi();
  await taskListMatchesTheApi("TODAY");

  // Another client adds three tasks due now: they appear in the open TODAY list.
  const titles = { skip: `Skip me ${stamp}`, snooze: `Snooze me ${stamp}`, elsewhere: `Done elsewhere ${stamp}` };
  const ids = {};
  for (const [key, title] of Object.entries(titles)) {
    const input = { type: "CALL", title, dueAt: new Date().toISOString() };
    ids[key] = (await api(CREATE_TASK, { input })).createTask.task.id;
  }
  for (const title of Object.values(titles)) await rowOf(title).waitFor({ timeout: WAIT });
  await taskCountsMatchTheApi();
  await app.shot("work-tasks");

  // Skip, keyboard only: the row leaves, the focus stays on the list's actions.
  await rowOf(titles.skip).getByRole("button", { name: "Skip", exact: true }).focus();
  await page.keyboard.press("Enter");
  await rowOf(titles.skip).waitFor({ state: "detached", timeout: WAIT });
  assert.equal(await page.evaluate(() => document.activeElement.closest("li.task") !== null), true);
  await app.waitUntil(async () => (await api(TASK, { id: ids.skip })).task.status === "SKIPPED", "skipped");
  await taskCountsMatchTheApi();

  // Snooze to a chosen day, keyboard only: the form takes the focus, Enter snoozes until the start
  // of the rep's working day in the rep's zone (08:30 in Kolkata), not 9:00 in the browser's.
  const snoozed = rowOf(titles.snooze);
  await snoozed.getByRole("button", { name: "Snooze…" }).focus();
  await page.keyboard.press("Enter");
  const until = snoozed.getByLabel("Snooze until");
  await until.waitFor({ timeout: WAIT });
  await app.waitUntil(() => until.evaluate((input) => input === document.activeElement), "the form has the focus");
  const day = localDay(3);
  await until.fill(day);
  await page.keyboard.press("Enter");
  await snoozed.waitFor({ state: "detached", timeout: WAIT });
  await app.waitUntil(async () => (await api(TASK, { id: ids.snooze })).task.snoozed, "snoozed");
  const { task } = await api(TASK, { id: ids.snooze });
  assert.equal(new Date(task.snoozedUntil).toISOString(), new Date(`${day}T08:30:00+05:30`).toISOString());
  await page.getByRole("status").filter({ hasText: `Snoozed “${titles.snooze}”` }).filter({ hasText: "(Asia/Kolkata)" }).waitFor({ timeout: WAIT });
  assert.equal(Date.parse(task.dueAt), Date.parse(task.snoozedUntil), "it comes back due then");
  await taskCountsMatchTheApi();

  // Completed by another client: it leaves the open list and shows under COMPLETED.
  await api(COMPLETE_TASK, { id: ids.elsewhere });
  await rowOf(titles.elsewhere).waitFor({ state: "detached", timeout: WAIT });
  await taskCountsMatchTheApi();
  await taskListMatchesTheApi("TODAY");
  for (const view of ["OVERDUE", "UPCOMING", "COMPLETED"]) {
    await page.locator(`.tabs a[data-view="${view}"]`).click();
    await taskListMatchesTheApi(view);
  }
  await rowOf(titles.elsewhere).waitFor({ timeout: WAIT });
  assert.equal(await rowOf(titles.snooze).count(), 0, "a snoozed task is hidden until its day");

  // Reopened from COMPLETED: it leaves the list, is OPEN again and back in TODAY.
  await rowOf(titles.elsewhere).getByRole("button", { name: "Reopen" }).click();
  await rowOf(titles.elsewhere).waitFor({ state: "detached", timeout: WAIT });
  await app.waitUntil(async () => (await api(TASK, { id: ids.elsewhere })).task.status === "OPEN", "reopened");
  await taskCountsMatchTheApi();
  await taskListMatchesTheApi("COMPLETED");
  await page.locator(`.tabs a[data-view="TODAY"]`).click();
  await rowOf(titles.elsewhere).waitFor({ timeout: WAIT });
  await taskListMatchesTheApi("TODAY");
}

test("tasks and a campaign's members page beyond their first page; a live change keeps the pages shown", async () => {
  // 55 tasks due in five days: more than a page (50) of UPCOMING.
  await tasksDueInFiveDays(55);
  const TASKS = `query($after: String) { tasks(view: UPCOMING, first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } }`;
  const apiTasks = () => wholeList(TASKS, {}, (data) => data.tasks);
  assert.ok((await apiTasks()).length > 50);
  await app.go("#/tasks/UPCOMING");
  const tasks = page.locator("li.task");
  await app.waitUntil(async () => (await tasks.count()) >= 50, "the first page of tasks");
  await loadEveryPage("Load more tasks", tasks);
  const shown = await rowsEqualTheApi(tasks, "data-task", apiTasks, "UPCOMING");
  // Completed elsewhere, a task of the second page leaves; the rest of that page stays.
  await watchRowCount("li.task");
  await api(COMPLETE_TASK, { id: shown[52] });
  await page.locator(`li.task[data-task="${shown[52]}"]`).waitFor({ state: "detached", timeout: WAIT });
  await rowsEqualTheApi(tasks, "data-task", apiTasks, "UPCOMING after a completion");
  assert.equal(await fewestRows(), shown.length - 1, "the second page stayed");

  // A paused campaign with 105 people: more than a page (100) of members.
  const crowd = await pausedCampaignWith(105);
  const MEMBERS_PAGE = `query($id: ID!, $after: String) {
    campaign(id: $id) { members(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } } }`;
  const apiMembers = () => wholeList(MEMBERS_PAGE, { id: crowd.id }, (data) => data.campaign.members);
  await app.go(`#/campaign/${encodeURIComponent(crowd.id)}`);
  const members = page.getByRole("list", { name: "Members" }).locator("li");
  await app.waitUntil(async () => (await members.count()) === 100, "the first page of members");
  await loadEveryPage("Load more members", members);
  const before = await rowsEqualTheApi(members, "data-member", apiMembers, "the members");
  assert.equal(before.length, 105);
  // One more person joins: the pages shown are read again, the newcomer last.
  await watchRowCount('[aria-label="Members"] li');
  await crowd.add(1);
  await app.waitUntil(async () => (await members.count()) === 106, "the newcomer");
  await rowsEqualTheApi(members, "data-member", apiMembers, "the members after a join");
  assert.equal(await fewestRows(), 105, "the second page stayed");
});

const SAVED = `query($id: ID!) { savedSearch(id: $id) { count emails(first: 50) { nodes { id } } } }`;
let work; // the campaign made for the search, its person and email
let demoCampaign; // the demo's active campaign: the search's people go there
let savedId; // the saved search made in the app

test("search: build and save; rows enter live and fade on exit; follow-ups and a launch from the list", async () => {
  work = await campaignWithOneEmail(`Work outreach ${stamp}`, {
    email: `wendy.${stamp}@work.example`, firstName: "Wendy", lastName: `Work${stamp}`,
  });
  const { campaigns } = await api(`{ campaigns(filter: { text: "Q4 Follow-up sequence" }) { nodes { id name status } } }`);
  demoCampaign = campaigns.nodes.find((c) => c.name === "Q4 Follow-up sequence" && c.status === "ACTIVE");
  assert.ok(demoCampaign, "the demo has its active campaign");
  await beyondTheFirstPage("campaigns", work.campaignId);
  await beyondTheFirstPage("campaigns", demoCampaign.id);

  // The builder: this campaign (searched for, picked by keyboard), viewed at least twice within 7
  // days, not replied.
  await page.getByRole("link", { name: "Search", exact: true }).click();
  const builder = page.getByRole("form", { name: "Search builder" });
  await pick(builder.getByRole("combobox", { name: "Campaign", exact: true }), `Work outreach ${stamp}`);
  await builder.getByLabel("Viewed at least").check();
  await builder.getByLabel("Viewed: at least how many times").fill("2");
  await builder.getByLabel("Viewed: within how many days (empty: ever)").fill("7");
  await builder.getByLabel("Not replied").check();
  await builder.getByLabel("Name").fill(`Engaged ${stamp}`);
  await app.shot("work-search-builder");
  await builder.getByRole("button", { name: "Save search" }).click();
  await page.waitForURL(/#\/search\/.+/);
  savedId = decodeURIComponent(new URL(page.url()).hash.replace("#/search/", ""));
  const { savedSearch } = await api(`query($id: ID!) { savedSearch(id: $id) { filter { campaignId viewed { atLeast withinDays } replied { happened } } } }`, { id: savedId });
  assert.deepEqual(savedSearch.filter, {
    campaignId: work.campaignId, viewed: { atLeast: 2, withinDays: 7 }, replied: { happened: false },
  });
  const list = page.getByRole("list", { name: "Matching emails" });
  await list.waitFor({ timeout: WAIT });

  // One open is not enough; the second one brings the email in, live (ENTERED).
  await openTheEmail(work.email);
  await app.waitUntil(async () => (await api(CAMPAIGN_EMAIL, { id: work.campaignId })).emails.nodes[0].viewCount === 1, "1 open");
  assert.equal((await api(SAVED, { id: savedId })).savedSearch.count, 0);
  assert.equal(await list.locator("li.row").count(), 0);
  await openTheEmail(work.email);
  await list.locator(`li.row[data-email="${work.email.id}"]`).waitFor({ timeout: WAIT });
  assert.equal((await api(SAVED, { id: savedId })).savedSearch.count, 1);
  const savedLink = page.getByRole("navigation", { name: "Saved searches" }).getByRole("link", { name: `Engaged ${stamp}` });
  await page.locator('[data-matches="1"]').waitFor({ timeout: WAIT });
  assert.equal(await savedLink.textContent(), `Engaged ${stamp} (1)`);
  await app.shot("work-search");

  // From the list: a follow-up task per email; it is in Tasks, and the API has it.
  await page.getByRole("button", { name: "Create follow-up tasks" }).click();
  await page.getByRole("status").filter({ hasText: "1 follow-up tasks created." }).waitFor({ timeout: WAIT });
  const { email } = await api(`query($id: ID!) { email(id: $id) { tasks { totalCount nodes { title dueAt } } } }`, { id: work.email.id });
  assert.equal(email.tasks.totalCount, 1);
  await page.getByRole("link", { name: "See the follow-ups" }).click();
  await page.locator(`.tabs a[data-view="UPCOMING"][aria-current="page"]`).waitFor({ timeout: WAIT });
  await rowOf(email.tasks.nodes[0].title).waitFor({ timeout: WAIT });
  await page.goBack();

  // ...and its people into the demo's campaign (searched for): on the campaign's page among the
  // ACTIVE members.
  const addButton = page.getByRole("button", { name: "Add people to campaign" });
  assert.equal(await addButton.isDisabled(), true, "no campaign chosen yet");
  await pick(page.getByRole("combobox", { name: "Add them to the campaign" }), demoCampaign.name);
  await page.getByRole("button", { name: "Add people to campaign" }).click();
  await page.getByRole("status").filter({ hasText: "1 people added." }).waitFor({ timeout: WAIT });
  const { campaign } = await api(MEMBERS, { id: demoCampaign.id, state: "ACTIVE" });
  assert.ok(campaign.members.nodes.some((m) => m.person?.id === work.person.id), "the API has them in the campaign");
  await page.getByRole("link", { name: "Open the campaign" }).click();
  await page.getByRole("navigation", { name: "Member states" }).getByRole("link", { name: /^Active/ }).click();
  await rowOf(work.person.fullName).waitFor({ timeout: WAIT });
  await membersMatchTheApi(demoCampaign.id, "ACTIVE");
  await page.goBack();
  await page.goBack();

  // The prospect replies: no longer "not replied", the row fades out of the open list (EXITED).
  await list.locator(`li.row[data-email="${work.email.id}"]`).waitFor({ timeout: WAIT });
  await reply(work.email, work.person.email, "Sounds good, call me.");
  await list.locator(`li.row.exiting[data-email="${work.email.id}"]`).waitFor({ timeout: WAIT });
  await list.locator(`li.row[data-email="${work.email.id}"]`).waitFor({ state: "detached", timeout: WAIT });
  assert.equal((await api(SAVED, { id: savedId })).savedSearch.count, 0);
  await page.locator('[data-matches="0"]').waitFor({ timeout: WAIT });
  assert.equal(await savedLink.textContent(), `Engaged ${stamp} (0)`);
});

test("the emails list's campaign filter searches every campaign: one beyond the first 100 shows only its emails", async () => {
  await beyondTheFirstPage("campaigns", work.campaignId);
  await app.go("#/emails/SENT");
  const rows = page.getByRole("list", { name: "Emails" }).locator("li.row");
  await rows.first().waitFor({ timeout: WAIT });
  const filter = { campaignId: work.campaignId };
  assert.ok((await api(FILTERED)).emails.nodes.some((email) => email.campaign?.id !== work.campaignId), "other emails are listed unfiltered");
  await pick(page.getByRole("combobox", { name: "Campaign", exact: true }), `Work outreach ${stamp}`);
  const shown = await sentListMatchesTheApi(filter);
  assert.ok(shown.includes(work.email.id));
  assert.ok((await api(FILTERED, { filter })).emails.nodes.every((email) => email.campaign?.id === work.campaignId));
  await app.shot("work-emails-campaign-filter");
  // Emptied, the filter is "any campaign" again.
  await page.getByRole("combobox", { name: "Campaign", exact: true }).fill("");
  await app.waitUntil(async () => (await rows.filter({ hasNotText: `Work outreach ${stamp}` }).count()) > 0, "every campaign's emails again");
});

test("campaigns: list, steps, stats and members by state equal the API's; pause and resume", async () => {
  await page.getByRole("link", { name: "Campaigns", exact: true }).click();
  await app.waitUntil(async () => {
    const { campaigns } = await api(`{ campaigns(first: 50) { nodes { name stats { total { people sent replied } } } } }`);
    const shown = await page.getByRole("list", { name: "Campaigns" }).locator("li").allTextContents();
    return shown.length === campaigns.nodes.length && campaigns.nodes.every((c, i) =>
      shown[i].includes(c.name) && shown[i].includes(`${c.stats.total.people} people · ${c.stats.total.sent} sent · ${c.stats.total.replied} replied`));
  }, "the campaign list equals the API's");
  await app.shot("work-campaigns");

  // The search's campaign, beyond the first page (50): "Load more" until it is listed.
  await loadMoreCampaignsUntil(`Work outreach ${stamp}`);
  // One step, one email opened and replied to, its person REPLIED.
  await rowOf(`Work outreach ${stamp}`).getByRole("link").click();
  const mine = await campaignPageMatchesTheApi(work.campaignId);
  assert.equal(mine.REPLIED.totalCount, 1);
  assert.equal(mine.stats.total.replied, 1);
  await eachStateMatchesTheApi(work.campaignId, mine);
  await app.shot("work-campaign");

  // The demo's campaign, paused and resumed from the app: its active people wait, then go on.
  await app.go(`#/campaign/${encodeURIComponent(demoCampaign.id)}`);
  const before = await campaignPageMatchesTheApi(demoCampaign.id);
  assert.ok(before.ACTIVE.totalCount > 0, "the demo's campaign has active people");
  await page.getByRole("button", { name: "Pause" }).click();
  await page.getByRole("button", { name: "Resume" }).waitFor({ timeout: WAIT });
  const paused = await campaignPageMatchesTheApi(demoCampaign.id);
  assert.equal(paused.status, "PAUSED");
  assert.equal(paused.ACTIVE.totalCount, 0);
  assert.ok(paused.PAUSED.totalCount > before.PAUSED.totalCount, "its active people are paused");
  await eachStateMatchesTheApi(demoCampaign.id, paused);
  await page.getByRole("button", { name: "Resume" }).click();
  await page.getByRole("button", { name: "Pause" }).waitFor({ timeout: WAIT });
  const resumed = await campaignPageMatchesTheApi(demoCampaign.id);
  assert.equal(resumed.status, "ACTIVE");
  assert.ok(resumed.ACTIVE.totalCount > 0);

  // A draft without steps cannot be activated: the API's userError shows, nothing changes.
  const { campaigns } = await api(`{ campaigns(filter: { status: DRAFT }, first: 50) { nodes { id name status steps { id } } } }`);
  const draft = campaigns.nodes.find((c) => c.status === "DRAFT" && !c.steps.length);
  assert.ok(draft, "there is a draft campaign without steps");
  await app.go(`#/campaign/${encodeURIComponent(draft.id)}`);
  await page.getByRole("button", { name: "Activate" }).click();
  const refusal = page.getByRole("alert").locator('[data-code="CAMPAIGN_HAS_NO_STEPS"]');
  await refusal.waitFor({ timeout: WAIT });
  assert.match(await refusal.textContent(), /step/);
  assert.equal((await api(CAMPAIGN, { id: draft.id })).campaign.status, "DRAFT");
});

test("reports: per day or week, by sender, campaign or template, equal the API's; a too-long range shows its error", async () => {
  // An email from a template, so that the template split has more than "No template".
  const { createTemplate } = await api(
    `mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { template { id } } }`,
    { input: { name: `Work template ${stamp}`, subject: "Our case study", bodyHtml: "<p>Hi {{first_name}}</p>" } },
  );
  const templateId = createTemplate.template.id;
  const { createDraft } = await api(
    `mutation($input: CreateDraftInput!) { createDraft(input: $input) { email { id } } }`,
    { input: { personId: work.person.id, templateId } },
  );
  await api(`mutation($id: ID!) { sendEmailNow(input: { id: $id }) { userErrors { code } } }`, { id: createDraft.email.id });
  await app.waitUntil(async () => (await api(`query($id: ID!) { email(id: $id) { status } }`, { id: createDraft.email.id })).email.status === "DELIVERED", "delivered");

  await page.getByRole("link", { name: "Reports", exact: true }).click();
  const options = page.getByRole("form", { name: "Report options" });
  const { me } = await api("{ me { id } }");
  const range = { from: isoDay(new Date(Date.now() - 30 * 24 * 3600 * 1000)), to: isoDay(new Date()) };
  const mine = { senderIds: [me.id], campaignIds: null, templateIds: null, includeMachineOpens: false };
  await reportMatchesTheApi({ groupBy: "DAY", by: "SENDER", range, filter: mine });
  await options.getByLabel("For", { exact: true }).selectOption("TEAM");
  const cases = [["WEEK", "SENDER"], ["WEEK", "CAMPAIGN"], ["DAY", "CAMPAIGN"], ["DAY", "TEMPLATE"], ["WEEK", "TEMPLATE"]];
  for (const [groupBy, by] of cases) {
    await options.getByLabel("Per", { exact: true }).selectOption(groupBy);
    await options.getByLabel("Split by", { exact: true }).selectOption(by);
    await reportMatchesTheApi({ groupBy, by, range, filter: null });
    if (groupBy === "DAY" && by === "CAMPAIGN") await app.shot("work-reports");
  }
  assert.ok((await page.locator(".reports tbody tr").count()) >= 2, "the template split has its two series");
  // A template and a campaign beyond the first 100, searched for in the pickers.
  await beyondTheFirstPage("templates", templateId);
  await beyondTheFirstPage("campaigns", work.campaignId);
  const templatePicker = options.getByRole("combobox", { name: "Template", exact: true });
  const campaignPicker = options.getByRole("combobox", { name: "Campaign", exact: true });
  await pick(templatePicker, `Work template ${stamp}`);
  await reportMatchesTheApi({ groupBy: "WEEK", by: "TEMPLATE", range, filter: { templateIds: [templateId] } });
  assert.equal(Number(await page.locator(".reports [data-sent]").getAttribute("data-sent")), 1, "the template's one email");
  await templatePicker.fill("");
  await pick(campaignPicker, `Work outreach ${stamp}`);
  await options.getByLabel("Split by", { exact: true }).selectOption("CAMPAIGN");
  await reportMatchesTheApi({ groupBy: "WEEK", by: "CAMPAIGN", range, filter: { campaignIds: [work.campaignId] } });
  assert.ok(Number(await page.locator(".reports [data-sent]").getAttribute("data-sent")) >= 1, "the campaign's emails");
  assert.deepEqual(await page.locator(".reports tbody tr").evaluateAll((trs) => trs.map((tr) => tr.dataset.key)), [work.campaignId]);

  // Two years by DAY is refused: the app shows the API's own error next to the range.
  await campaignPicker.fill("");
  await options.getByLabel("Split by", { exact: true }).selectOption("TEMPLATE");
  await options.getByLabel("Per", { exact: true }).selectOption("DAY");
  await options.getByLabel("Range", { exact: true }).selectOption("custom");
  const from = isoDay(new Date(Date.now() - 2 * 366 * 24 * 3600 * 1000));
  await options.getByLabel("From", { exact: true }).fill(from);
  const refused = await post(app.server, REPORT, { groupBy: "DAY", by: "TEMPLATE", range: { from, to: range.to } }).then(
    () => assert.fail("the API accepted a two-year report by DAY"),
    (error) => JSON.parse(error.message)[0],
  );
  assert.equal(refused.extensions.code, "REPORT_RANGE_TOO_LONG");
  const alert = page.getByRole("alert").filter({ hasText: refused.message });
  await alert.waitFor({ timeout: WAIT });
  assert.equal(await alert.getAttribute("data-code"), "REPORT_RANGE_TOO_LONG");
  await app.shot("work-reports-too-long");
  // By WEEK the same range is fine: the error goes, the report is back.
  await options.getByLabel("Per", { exact: true }).selectOption("WEEK");
  await reportMatchesTheApi({ groupBy: "WEEK", by: "TEMPLATE", range: { from, to: range.to }, filter: null });
  assert.equal(await alert.count(), 0);
});

test("at phone width nothing overflows sideways, every control is named, task actions open by keyboard", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  const screens = [
    ["tasks", "#/tasks/UPCOMING", async () => {
      await page.locator("li.task").first().waitFor({ timeout: WAIT });
      const opener = page.locator("li.task").first().getByRole("button", { name: "Snooze…" });
      await opener.press("Enter");
      const until = page.getByLabel("Snooze until");
      await app.waitUntil(() => until.evaluate((input) => input === document.activeElement), "the form has the focus");
      // Escape closes the form and gives the focus back to its button; Space opens it again.
      await page.keyboard.press("Escape");
      await until.waitFor({ state: "detached", timeout: WAIT });
      await app.waitUntil(() => opener.evaluate((button) => button === document.activeElement), "the focus is back");
      await page.keyboard.press(" ");
      await until.waitFor({ timeout: WAIT });
    }],
    ["search", "#/search", () => page.getByRole("button", { name: "Save search" }).waitFor({ timeout: WAIT })],
    ["saved-search", `#/search/${encodeURIComponent(savedId)}`, () => page.getByRole("list", { name: "Matching emails" }).waitFor({ timeout: WAIT })],
    ["campaigns", "#/campaigns", () => page.getByRole("list", { name: "Campaigns" }).locator("li").first().waitFor({ timeout: WAIT })],
    ["campaign", `#/campaign/${encodeURIComponent(demoCampaign.id)}`, () => page.locator("tr[data-step]").first().waitFor({ timeout: WAIT })],
    ["reports", "#/reports", async () => {
      await page.locator(".chart polyline").first().waitFor({ timeout: WAIT });
      await page.getByRole("form", { name: "Report options" }).getByLabel("Range", { exact: true }).selectOption("custom");
    }],
  ];
  for (const [name, hash, ready] of screens) {
    await app.go(hash);
    await ready();
    await fitsTheWidth(page, name);
    assert.deepEqual(await unnamedControls(page), [], `${name}: controls without an accessible name`);
    await app.shot(`work-${name}-phone`);
  }
  await page.setViewportSize({ width: 1200, height: 900 });
});

test("nothing left the machine, and the app logged no errors", () => {
  assert.deepEqual(app.offHost, []);
  assert.deepEqual(app.problems, []);
});
