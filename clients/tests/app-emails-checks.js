// What app-emails.test.js sets up through the API (people, drafts, scheduled emails), the dates
// its DST cases need, and its phone-width check. `useApp` hands them the open app.
import assert from "node:assert/strict";
import { fitsTheWidth } from "./app-harness.js";
import { wholeList } from "./app-list-checks.js";
import { post } from "./server.js";

let app;
let page;
export function useApp(opened) {
  app = opened;
  page = opened.page;
}
const DAY = 24 * 3600 * 1000;

export async function createPerson(fields) {
  const { createPerson } = await post(
    app.server,
    `mutation($input: CreatePersonInput!) { createPerson(input: $input) { person { id email } userErrors { message } } }`,
    { input: fields },
  );
  assert.deepEqual(createPerson.userErrors, []);
  return createPerson.person;
}

export async function createDraft(input) {
  const { createDraft } = await post(
    app.server,
    `mutation($input: CreateDraftInput!) { createDraft(input: $input) { email { id } userErrors { message } } }`,
    { input },
  );
  assert.deepEqual(createDraft.userErrors, []);
  return createDraft.email.id;
}

// A new email to pat@example.com scheduled at `sendAt`: its id.
export async function scheduled(subject, sendAt) {
  const id = await createDraft({ to: ["pat@example.com"], subject });
  const { scheduleEmail } = await post(
    app.server,
    `mutation($input: ScheduleEmailInput!) { scheduleEmail(input: $input) { userErrors { message } } }`,
    { input: { id, sendAt } },
  );
  assert.deepEqual(scheduleEmail.userErrors, []);
  return id;
}

// The API's whole list of scheduled emails (ids, in its order: latest send time first).
const SCHEDULED_LIST = `query($after: String) { emails(folder: PENDING, status: SCHEDULED, first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { id } } }`;
export const apiList = () => wholeList(SCHEDULED_LIST, {}, (data) => data.emails);

// The next (at least two days ahead, so within the API's year) n-th Sunday of a month, as
// YYYY-MM-DD: US clocks change on Sundays at 02:00. And the next January 15th (always EST).
export function nextDate(month, day) {
  for (let year = new Date().getUTCFullYear(); ; year++) {
    const dayOf = typeof day === "number" ? day : day(year);
    if (Date.UTC(year, month - 1, dayOf) > Date.now() + 2 * DAY) {
      return `${year}-${String(month).padStart(2, "0")}-${String(dayOf).padStart(2, "0")}`;
    }
  }
}
export const sunday = (month, n) => nextDate(month, (year) => 1 + ((7 - new Date(Date.UTC(year, month - 1, 1)).getUTCDay()) % 7) + 7 * (n - 1));

// At phone width: it fits (fitsTheWidth); a screenshot.
export async function phoneCheck(name) {
  await fitsTheWidth(page, name);
  await app.shot(`phone-${name}`);
}
