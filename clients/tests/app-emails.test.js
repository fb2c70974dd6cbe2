// The web app's emails screens in a real headless Chromium against a real `command-center serve`
// (app-harness.js): schedule from Compose in the recipient's time zone (the page shows that zone's
// wall clock, the API holds the same instant, DST gaps and overlaps are announced); the email
// page's actions (Unschedule, Send now, Delete — back to the list without a "does not exist" on
// the way —, and userErrors next to the field they name); a
// bounce reported through the inbound SMTP listener moves the email to Undelivered live and shows
// in its timeline, then the address is cleared and the email retried; the list's keyset
// pagination against the API's own list (live arrivals at their place; with a filter, a live
// change keeps the pages shown); an email's history beyond 100 events; phone width; an
// accessible name on every control; and keyboard-only Compose with search-as-you-type pickers
// that reach people beyond the first 100.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  apiList, createDraft, createPerson, nextDate, phoneCheck, scheduled, sunday, useApp as useEmailChecks,
} from "./app-emails-checks.js";
import {
  answerDeleteAfterItsLiveChange, fewestRows, loadEveryPage, rowsEqualTheApi, useApp, watchFor, watchRowCount, wholeList,
} from "./app-list-checks.js";
import { deliveryReport, openApp, returnPathOf, smtpSend, unnamedControls, WAIT } from "./app-harness.js";
import { post } from "./server.js";

const SECRET = "app-emails-test-verp-secret";
const STAMP = Date.now();
const DAY = 24 * 3600 * 1000;
let app;
let server;
let page;

before(async () => {
  // A known signing key: the test writes the DSN a receiving MTA would send to our return path.
  app = await openApp({ env: { CC_VERP_SECRET: SECRET } });
  ({ server, page } = app);
  useApp(app);
  useEmailChecks(app);
  await page.goto(`${app.proxy.url}/${new URL(server.appUrl).hash}`);
  await app.live();
});

after(() => app?.close());

const status = () => page.getByTestId("status").textContent();
const rowOf = (subject) => page.locator("li.row", { hasText: subject });
const idOfPage = () => decodeURIComponent(new URL(page.url()).hash.replace("#/email/", ""));
const EMAIL_OF = `query($id: ID!) { email(id: $id) { status scheduledAt messageId availableActions person { id } template { id } } }`;
const emailOf = async (id) => (await post(server, EMAIL_OF, { id })).email;
const waitStatus = (text) => app.waitUntil(async () => (await status()) === text, `the page shows ${text}`);

const JAN15 = nextDate(1, 15);

const NEW_YORK = "America/New_York";
let nora; // a prospect in New York; the admin who runs the app is on UTC
let scheduledId;

test("Compose schedules in the recipient's time zone; the page and the API agree; DST is announced", async () => {
  const { me } = await post(server, "{ me { timezone } }");
  assert.notEqual(me.timezone, NEW_YORK);
  nora = await createPerson({ email: `nora.${STAMP}@prospect.example`, firstName: "Nora", lastName: `York${STAMP}`, timezone: NEW_YORK });
  await page.getByRole("link", { name: "Compose" }).click();
  await page.getByRole("combobox", { name: "To" }).fill(`York${STAMP}`);
  await page.getByRole("option", { name: new RegExp(`York${STAMP}`) }).click();
  await page.getByLabel("Subject").fill(`Zoned ${STAMP}`);
  await page.getByLabel("Body").fill("Hi {{first_name}}, a call at nine your time?");
  const sendAt = page.getByLabel(/Send at/);
  assert.match(await page.locator("label", { has: sendAt }).textContent(), /recipient's time, America\/New_York/);
  await sendAt.fill(`${JAN15}T09:00`);
  await page.getByRole("button", { name: "Schedule" }).click();
  await page.waitForURL(/#\/email\//);
  scheduledId = idOfPage();
  await waitStatus("Scheduled");
  await page.getByRole("status").filter({ hasText: `Scheduled for ${JAN15} 09:00 ${NEW_YORK}.` }).waitFor({ timeout: WAIT });
  const shown = page.getByTestId("scheduled").locator("time");
  assert.equal(await shown.getAttribute("data-local"), `${JAN15}T09:00`);
  assert.match(await shown.textContent(), /9:00.*America\/New_York/);
  // 09:00 in New York in January is 14:00 UTC (EST, UTC-5).
  assert.equal(new Date((await emailOf(scheduledId)).scheduledAt).toISOString(), `${JAN15}T14:00:00.000Z`);
  await app.shot("email-scheduled");

  // Rescheduled on the page into the spring-forward gap, then into the autumn's repeated hour.
  const cases = [
    [`${sunday(3, 2)}T02:30`, "does not exist", `${sunday(3, 2)}T07:30:00.000Z`, `${sunday(3, 2)}T03:30`],
    [`${sunday(11, 1)}T01:30`, "happens twice", `${sunday(11, 1)}T05:30:00.000Z`, `${sunday(11, 1)}T01:30`],
  ];
  for (const [local, warning, instant, wallClock] of cases) {
    await page.locator("form.schedule").getByLabel("Send at").fill(local);
    await page.getByRole("button", { name: "Reschedule" }).click();
    await page.getByRole("status").filter({ hasText: warning }).waitFor({ timeout: WAIT });
    assert.equal(new Date((await emailOf(scheduledId)).scheduledAt).toISOString(), instant);
    await app.waitUntil(async () => (await shown.getAttribute("data-local")) === wallClock, `the page shows ${wallClock}`);
  }
});

test("the email page's actions: Unschedule, an error next to its field, Send now, Delete", async () => {
  await page.getByRole("button", { name: "Unschedule" }).click();
  await waitStatus("Draft");
  assert.equal((await emailOf(scheduledId)).status, "DRAFT");

  // A body with a merge field the recipient has no value for: Send now is refused, next to the body.
  const broken = await createDraft({ personId: nora.id, to: [nora.email], subject: `Broken ${STAMP}`, bodyText: "Hi {{nickname}}" });
  await app.go(`#/email/${encodeURIComponent(broken)}`);
  await page.getByRole("button", { name: "Send now" }).click();
  const error = page.locator('pre.body + .field-errors[data-field="bodyText"]');
  await error.waitFor({ timeout: WAIT });
  assert.match(await error.textContent(), /nickname/);
  assert.equal(await error.locator("li").getAttribute("data-code"), "UNRESOLVED_MERGE_FIELD");
  assert.equal(await status(), "Draft");
  await app.shot("email-field-error");

  // Delete: confirmed, the page goes back to the list it was in, without the row — and never
  // says "does not exist" on the way, even when the live stream tells it about the deletion
  // before the mutation's answer arrives (held back here until the page has acted on the change).
  await page.evaluate(() => (window.stillTheSamePage = true));
  await watchFor("does not exist");
  const release = await answerDeleteAfterItsLiveChange(broken);
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Delete" }).click();
  await page.waitForURL(/#\/emails\/PENDING$/);
  await rowOf(`Zoned ${STAMP}`).waitFor({ timeout: WAIT });
  await release();
  assert.deepEqual(await page.evaluate(() => window.flashes), [], "the page never said the email does not exist");
  assert.equal(await rowOf(`Broken ${STAMP}`).count(), 0);
  assert.equal(await emailOf(broken), null);
  // A draft deleted by another client leaves the open list live.
  const other = await createDraft({ to: ["sam@example.com"], subject: `Deleted elsewhere ${STAMP}` });
  await rowOf(`Deleted elsewhere ${STAMP}`).waitFor({ timeout: WAIT });
  await post(server, `mutation($id: ID!) { deleteEmail(input: { id: $id }) { deletedEmailId } }`, { id: other });
  await rowOf(`Deleted elsewhere ${STAMP}`).waitFor({ state: "detached", timeout: WAIT });

  // Send now from the page: the unscheduled draft is delivered, live.
  await rowOf(`Zoned ${STAMP}`).getByRole("link").click();
  await page.getByRole("button", { name: "Send now" }).click();
  await waitStatus("Delivered");
  assert.equal(await page.evaluate(() => window.stillTheSamePage), true);
});

test("a bounce through the inbound listener: Undelivered live, in the timeline; cleared, then Retry", async () => {
  const gone = await createPerson({ email: `gone.${STAMP}@prospect.example`, firstName: "Gail", lastName: `Gone${STAMP}` });
  const subject = `Bounces ${STAMP}`;
  const id = await createDraft({ personId: gone.id, to: [gone.email], subject, bodyText: "Hello" });
  await post(server, `mutation($id: ID!) { sendEmailNow(input: { id: $id }) { userErrors { message } } }`, { id });
  await app.waitUntil(async () => (await emailOf(id)).status === "DELIVERED", "delivery");
  const { messageId } = await emailOf(id);

  await app.go("#/emails/UNDELIVERED");
  await page.locator('a[data-folder="UNDELIVERED"][aria-current="page"]').waitFor({ timeout: WAIT });
  await page.locator("li.row").first().waitFor({ timeout: WAIT }); // the demo's failed ones
  assert.equal(await rowOf(subject).count(), 0);
  const returnPath = returnPathOf(server, SECRET, messageId); // where the MTA sends its report
  await smtpSend(app.inboundPort, "", returnPath, deliveryReport(gone.email, returnPath, messageId));
  await rowOf(subject).waitFor({ timeout: WAIT }); // moved in live, no reload
  assert.equal(await page.evaluate(() => window.stillTheSamePage), true);
  assert.equal((await emailOf(id)).status, "BOUNCED");

  await rowOf(subject).getByRole("link").click();
  const bounced = page.locator('.timeline li[data-kind="BOUNCED"]');
  await bounced.waitFor({ timeout: WAIT });
  assert.match(await bounced.textContent(), /Bounced.*5\.1\.1.*User unknown/s); // what the MTA said
  assert.equal(await status(), "Bounced");
  // The address is marked undeliverable: no Retry until it is cleared, here.
  assert.equal(await page.getByRole("button", { name: "Retry" }).count(), 0);
  assert.ok(!(await emailOf(id)).availableActions.includes("RETRY"));
  await app.shot("email-bounced");
  await page.getByRole("button", { name: "Mark the address deliverable again" }).click();
  await page.getByRole("button", { name: "Retry" }).click();
  await waitStatus("Delivered");
  assert.equal((await emailOf(id)).status, "DELIVERED");
});

// Scheduled emails list by their send time, latest first: one scheduled in between arrives live at
// its place (not on top), so it must not show before its page, nor twice after.
test("the list pages through every email once (keyset), in the API's order, live arrivals included", async () => {
  const start = Math.ceil((Date.now() + 60 * DAY) / DAY) * DAY; // a midnight two months ahead
  const hour = (h) => new Date(start + h * 3600 * 1000).toISOString();
  for (let i = 0; i < 60; i++) await scheduled(`Page ${STAMP} #${i}`, hour(i));
  await app.go("#/emails/PENDING/SCHEDULED");
  const rows = page.locator("ul.rows > li.row");
  await app.waitUntil(async () => (await rows.count()) === 25, "the first page");
  assert.ok((await apiList()).length > 60, "more than two pages of 25");

  // Scheduled before all of those: its place is pages away. Then one after all of them, which
  // goes on top: once it shows, the first one was heard too (the stream keeps their order).
  await scheduled(`Late ${STAMP}`, hour(-12));
  await scheduled(`Top ${STAMP}`, hour(24 * 100));
  await rowOf(`Top ${STAMP}`).waitFor({ timeout: WAIT });
  assert.match(await rows.first().textContent(), new RegExp(`Top ${STAMP}`));
  assert.equal(await rowOf(`Late ${STAMP}`).count(), 0, "not before its page");

  // Scrolling to the end of the list loads the next page, until there is none.
  await app.waitUntil(async () => {
    await page.mouse.wheel(0, 5000);
    return (await page.getByRole("button", { name: "Load more" }).count()) === 0 && (await rows.count()) > 60;
  }, "every page loaded");
  await rowOf(`Late ${STAMP}`).waitFor({ timeout: WAIT });
  let seen;
  await app.waitUntil(async () => {
    const shown = await rows.evaluateAll((items) => items.map((item) => item.dataset.email));
    assert.equal(new Set(shown).size, shown.length, "no row twice");
    seen = { shown, api: await apiList() };
    return JSON.stringify(seen.shown) === JSON.stringify(seen.api);
  }, "the rows shown are the API's list, in its order").catch((error) => {
    throw new Error(`${error.message}: ${JSON.stringify(seen)}`);
  });
});

test("with a filter, a live change keeps every page shown (the pages are read again)", async () => {
  const filter = { text: `Page ${STAMP}` };
  const FILTERED = `query($filter: EmailFilter, $after: String) {
    emails(folder: PENDING, status: SCHEDULED, filter: $filter, first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } }`;
  const apiIds = () => wholeList(FILTERED, { filter }, (data) => data.emails);
  assert.ok((await apiIds()).length > 50, "more than two pages of 25 match");
  await app.go("#/emails/PENDING/SCHEDULED");
  const rows = page.locator("ul.rows > li.row");
  await rows.first().waitFor({ timeout: WAIT });
  await page.getByRole("searchbox", { name: "Search" }).fill(filter.text);
  await app.waitUntil(async () => (await rows.count()) === 25 && (await rows.filter({ hasNotText: filter.text }).count()) === 0, "the first filtered page");
  await loadEveryPage("Load more", rows);
  const shown = await rowsEqualTheApi(rows, "data-email", apiIds, "the filtered list");

  // Elsewhere: one more is scheduled between two rows of the second page, one of the last page is
  // unscheduled. Every page stays, with the one in its place and without the other.
  await watchRowCount("ul.rows > li.row");
  const { scheduledAt } = await emailOf(shown[30]);
  const entered = await scheduled(`Page ${STAMP} #between`, new Date(Date.parse(scheduledAt) + 30 * 60 * 1000).toISOString());
  await post(server, `mutation($id: ID!) { unscheduleEmail(input: { id: $id }) { userErrors { message } } }`, { id: shown[55] });
  await page.locator(`li.row[data-email="${entered}"]`).waitFor({ timeout: WAIT });
  await page.locator(`li.row[data-email="${shown[55]}"]`).waitFor({ state: "detached", timeout: WAIT });
  const after = await rowsEqualTheApi(rows, "data-email", apiIds, "the filtered list after the changes");
  assert.equal(after.length, shown.length);
  assert.equal(after.indexOf(entered), 30, "in its place");
  assert.ok((await fewestRows()) >= shown.length - 1, `the pages shown stayed (at one point ${await fewestRows()} rows)`);
  await page.getByRole("searchbox", { name: "Search" }).fill("");
});

test("an email's history pages by 100 events: each event once, in the API's order, new ones included", async () => {
  const id = await createDraft({ to: ["pat@example.com"], subject: `History ${STAMP}` });
  const schedule = () => post(server, `mutation($input: ScheduleEmailInput!) { scheduleEmail(input: $input) { userErrors { message } } }`,
    { input: { id, sendAt: new Date(Date.now() + 30 * DAY).toISOString() } });
  for (let i = 0; i < 51; i++) {
    await schedule();
    await post(server, `mutation($id: ID!) { unscheduleEmail(input: { id: $id }) { userErrors { message } } }`, { id });
  }
  const EVENTS = `query($id: ID!, $after: String) {
    email(id: $id) { events(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } } }`;
  const apiIds = () => wholeList(EVENTS, { id }, (data) => data.email.events);
  assert.ok((await apiIds()).length > 100, "more than a page of events");
  await app.go(`#/email/${encodeURIComponent(id)}`);
  const events = page.locator(".timeline > li");
  await app.waitUntil(async () => (await events.count()) >= 100, "the first 100 events");
  await loadEveryPage("Load more history", events);
  const shown = await rowsEqualTheApi(events, "data-event", apiIds, "the history");
  // Scheduled once more elsewhere: both pages are read again, the new event last.
  await watchRowCount(".timeline > li");
  await schedule();
  await app.waitUntil(async () => (await events.count()) === shown.length + 1, "the new event");
  await rowsEqualTheApi(events, "data-event", apiIds, "the history after a change");
  assert.equal(await events.last().getAttribute("data-kind"), "SCHEDULED");
  assert.equal(await fewestRows(), shown.length, "the second page stayed while both were read again");
});

test("phone width: the list, an email and compose fit and stay usable", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await app.go("#/emails/PENDING");
    await page.locator("li.row").first().waitFor({ timeout: WAIT });
    await phoneCheck("emails");
    await page.locator("li.row a").first().click();
    await page.getByTestId("status").waitFor({ timeout: WAIT });
    await phoneCheck("email");
    await app.go(`#/email/${encodeURIComponent(scheduledId)}`);
    await page.getByRole("heading", { name: `Zoned ${STAMP}` }).waitFor({ timeout: WAIT });
    await phoneCheck("email-sent");
    await page.getByRole("link", { name: "Compose" }).click();
    await page.getByRole("listbox", { name: "To suggestions" }).locator('[role="option"]').first().waitFor({ timeout: WAIT });
    await phoneCheck("compose");
    await page.getByRole("button", { name: "Send now" }).scrollIntoViewIfNeeded();
    assert.ok(await page.getByRole("button", { name: "Send now" }).isVisible());
  } finally {
    await page.setViewportSize({ width: 1200, height: 900 });
  }
});

test("every control of the emails screens has an accessible name", async () => {
  // The check itself sees a control without one.
  await app.go("#/emails/PENDING");
  await page.locator("li.row").first().waitFor({ timeout: WAIT });
  await page.evaluate(() => document.querySelector("main").append(Object.assign(document.createElement("input"), { id: "probe" })));
  assert.equal((await unnamedControls(page)).length, 1);
  await page.evaluate(() => document.getElementById("probe").remove());
  const screens = [
    ["#/emails/PENDING", () => page.locator("li.row").first().waitFor({ timeout: WAIT })],
    ["#/emails/UNDELIVERED/BOUNCED", () => page.locator("li.row").first().waitFor({ timeout: WAIT })],
    [`#/email/${encodeURIComponent(scheduledId)}`, () => page.getByRole("button", { name: "Archive" }).waitFor({ timeout: WAIT })],
    ["#/compose", () => page.getByRole("listbox", { name: "To suggestions" }).waitFor({ timeout: WAIT })],
  ];
  for (const [hash, ready] of screens) {
    await app.go(hash);
    await ready();
    assert.deepEqual(await unnamedControls(page), [], `${hash}: controls without a name`);
  }
  // A draft's page has the schedule form too.
  const draft = await createDraft({ to: ["pat@example.com"], subject: `Named ${STAMP}` });
  await app.go(`#/email/${encodeURIComponent(draft)}`);
  await page.locator("form.schedule").waitFor({ timeout: WAIT });
  assert.deepEqual(await unnamedControls(page), []);
});

test("Compose with the keyboard only; the pickers search the whole team (a person beyond the first 100)", async () => {
  for (let i = 0; i < 105; i++) {
    await createPerson({ email: `many.${i}.${STAMP}@prospect.example`, firstName: "Many", lastName: `Kbd${i}x${STAMP}` });
  }
  const PEOPLE = `query($after: String) { people(first: 100, after: $after) { pageInfo { endCursor } nodes { id lastName } } }`;
  const firstHundred = (await post(server, PEOPLE)).people;
  const beyond = (await post(server, PEOPLE, { after: firstHundred.pageInfo.endCursor })).people.nodes;
  const far = beyond.find((p) => p.lastName?.endsWith(`x${STAMP}`));
  assert.ok(far && !firstHundred.nodes.some((p) => p.id === far.id), "someone beyond the first 100");
  const template = (await post(server, `mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { template { id } } }`, {
    input: { name: `Keyboard template ${STAMP}`, subject: "Hello {{first_name}}", bodyText: "Hi {{first_name}}, typed by keyboard." },
  })).createTemplate.template;

  await app.go("#/compose");
  const to = page.getByRole("combobox", { name: "To" });
  await app.waitUntil(() => to.evaluate((el) => el === document.activeElement), "To has the focus");
  await page.keyboard.type(far.lastName);
  const option = page.getByRole("option", { name: new RegExp(far.lastName) });
  await option.waitFor({ timeout: WAIT });
  await app.waitUntil(async () => (await option.getAttribute("aria-selected")) === "true", "the match is active");
  await page.keyboard.press("Enter"); // picks; does not submit
  assert.equal(await to.getAttribute("aria-expanded"), "false");
  assert.match(await to.inputValue(), new RegExp(far.lastName));
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute("name")), "templateId");
  await page.keyboard.type(`Keyboard template ${STAMP}`);
  const templateOption = page.getByRole("option", { name: `Keyboard template ${STAMP}` });
  await templateOption.waitFor({ timeout: WAIT });
  await app.waitUntil(async () => (await templateOption.getAttribute("aria-selected")) === "true", "the template is active");
  await page.keyboard.press("Enter");
  await app.waitUntil(async () => (await page.getByLabel("Subject").inputValue()) === "Hello {{first_name}}", "the template filled the subject");
  await page.keyboard.press("Tab"); // Subject
  await page.keyboard.press("End");
  await page.keyboard.type(", from the keyboard");
  // The preview renders the picked template for the picked person.
  const preview = () => page.locator(".preview").textContent();
  await app.waitUntil(async () => (await preview()).includes("Hello Many, from the keyboard"), "the preview");
  assert.match(await preview(), /Hi Many, typed by keyboard\.[\s\S]*No merge problems/);
  await app.shot("compose-keyboard");
  // Tab on (Body, then the date and time fields of Send at) to "Save draft", and press Enter.
  for (let i = 0; i < 20; i++) {
    if ((await page.evaluate(() => document.activeElement.textContent)) === "Save draft") break;
    await page.keyboard.press("Tab");
  }
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Save draft");
  await page.keyboard.press("Enter");
  await page.waitForURL(/#\/email\//);
  const saved = await emailOf(idOfPage());
  assert.equal(saved.status, "DRAFT");
  assert.equal(saved.person.id, far.id);
  assert.equal(saved.template.id, template.id);
  assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Hello {{first_name}}, from the keyboard");
});

test("the list's person filter searches the whole team too", async () => {
  await app.go("#/emails/SENT");
  await page.locator("li.row").first().waitFor({ timeout: WAIT });
  const person = page.getByRole("combobox", { name: "Person" });
  await person.fill(`York${STAMP}`);
  await page.getByRole("option", { name: new RegExp(`York${STAMP}`) }).waitFor({ timeout: WAIT });
  await person.press("Enter");
  await app.waitUntil(async () => {
    const texts = await page.locator("li.row").allTextContents();
    return texts.length > 0 && texts.every((text) => text.includes(`Nora York${STAMP}`)) && texts.some((text) => text.includes(`Zoned ${STAMP}`));
  }, "only Nora's emails");
  await person.fill(""); // cleared: anyone again
  await app.waitUntil(async () => (await page.locator("li.row", { hasNotText: `Nora York${STAMP}` }).count()) > 0, "everyone's emails");
});

test("nothing left the machine, and the app logged no errors", () => {
  assert.deepEqual(app.offHost, []);
  assert.deepEqual(app.problems, []);
});
