// The web app's work screens (graph/static/app/screens/tasks.js, search.js, campaigns.js,
// reports.js) in a real headless Chromium against a real `command-center serve`, each checked
// against the public API: tasks skipped and snoozed from the app (by keyboard) and completed by
// another client leave their view live, with live counts; an advanced search built and saved in
// the app whose rows enter and fade live, with follow-up tasks and a campaign launch from it;
// campaigns' steps, stats and members by state, paused and resumed; reports re-drawn per day or
// week and by sender, campaign or template, and the API's error for a too-long range. At phone
// width nothing overflows sideways, and every control has an accessible name. No request leaves
// the machine; screenshots land in test-artifacts/app/.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { WAIT, openApp, overflow, unnamedControls } from "./app-work-harness.js";
import { post } from "./server.js";

let app;
let page;
const stamp = Date.now();

before(async () => {
  // Opens count as the prospect's at once (no machine window), replies come in over HTTP.
  app = await openApp({ env: { CC_MACHINE_ENGAGEMENT_SECONDS: "0", CC_INBOUND_TOKEN: "inbound-test" } });
  page = app.page;
});

after(async () => {
  await app?.close();
});

const api = (query, variables) => post(app.server, query, variables);
const rowOf = (text) => page.locator("li.row", { hasText: text });
// A day as <input type="date"> writes it, in this machine's time zone (the browser's too).
const localDay = (offset) => {
  const date = new Date();
  date.setDate(date.getDate() + offset);
  return [date.getFullYear(), date.getMonth() + 1, date.getDate()].map((n) => String(n).padStart(2, "0")).join("-");
};

const TASK_VIEWS = ["today", "overdue", "upcoming", "completed"];
const TASK_COUNTS = `{ taskCounts { ${TASK_VIEWS.join(" ")} } }`;
const TASK = `query($id: ID!) { task(id: $id) { status snoozed snoozedUntil dueAt } }`;
const CREATE_TASK = `mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { code } } }`;
const COMPLETE_TASK = `mutation($id: ID!) { completeTask(input: { id: $id }) { userErrors { code } } }`;

// The shown task counts catch up with the API's (a campaign may add tasks meanwhile).
async function taskCountsMatchTheApi() {
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
async function taskListMatchesTheApi(view) {
  await app.waitUntil(async () => {
    const { tasks } = await api(`query($view: TaskView!) { tasks(view: $view, first: 50) { nodes { title } } }`, { view });
    const shown = await page.locator("li.task .subject").allTextContents();
    return JSON.stringify(shown) === JSON.stringify(tasks.nodes.map((task) => task.title));
  }, `the ${view} list equals the API's`);
}

test("tasks: skip and snooze by keyboard, a completion elsewhere; rows and counts follow live", async () => {
  await page.goto(`${app.proxy.url}/${new URL(app.server.appUrl).hash}`);
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

  // Snooze to a chosen day, keyboard only: the form takes the focus, Enter snoozes until 9:00.
  const snoozed = rowOf(titles.snooze);
  await snoozed.getByRole("button", { name: "Snooze…" }).focus();
  await page.keyboard.press("Enter");
  const until = snoozed.getByLabel("Snooze until");
  await until.waitFor({ timeout: WAIT });
  assert.equal(await until.evaluate((input) => input === document.activeElement), true);
  const day = localDay(3);
  await until.fill(day);
  await page.keyboard.press("Enter");
  await snoozed.waitFor({ state: "detached", timeout: WAIT });
  await page.getByRole("status").filter({ hasText: `Snoozed “${titles.snooze}”` }).waitFor({ timeout: WAIT });
  const { task } = await api(TASK, { id: ids.snooze });
  assert.equal(task.snoozed, true);
  assert.equal(Date.parse(task.snoozedUntil), new Date(`${day}T09:00:00`).getTime());
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
});
