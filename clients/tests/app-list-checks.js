// What the app's browser tests compare beyond a first page (app-emails.test.js, app-work.test.js):
// an API list read whole (every page), a list on the page that must equal it (in order, no row
// twice), the fewest rows a list showed while a live change was applied, and the order of arrival
// that made the email page flash "does not exist" after Delete. `useApp` hands them the open app.
import assert from "node:assert/strict";
import { post } from "./server.js";

let app;
let page;
export function useApp(opened) {
  app = opened;
  page = opened.page;
}

// Every node of a connection, page by page: `query` takes $after, `pick(data)` is the connection.
export async function wholeList(query, variables, pick) {
  const ids = [];
  for (let after = null; ;) {
    const connection = pick(await post(app.server, query, { ...variables, after }));
    ids.push(...connection.nodes.map((node) => node.id));
    if (!connection.pageInfo.hasNextPage) return ids;
    after = connection.pageInfo.endCursor;
  }
}

// The page's rows (`locator`, their ids in `attribute`) become the API's whole list: in its order,
// never a row twice. Returns the ids shown.
export async function rowsEqualTheApi(locator, attribute, apiIds, what) {
  let seen;
  await app.waitUntil(async () => {
    const shown = await locator.evaluateAll((items, key) => items.map((item) => item.getAttribute(key)), attribute);
    assert.equal(new Set(shown).size, shown.length, `${what}: no row twice`);
    seen = { shown, api: await apiIds() };
    return JSON.stringify(seen.shown) === JSON.stringify(seen.api);
  }, `${what}: the rows shown are the API's whole list, in its order`).catch((error) => {
    throw new Error(`${error.message}: ${JSON.stringify(seen)}`);
  });
  return seen.shown;
}

// Press "Load more" (named `name`) until the list has no next page.
export async function loadEveryPage(name, rows) {
  const button = page.getByRole("button", { name });
  while (await button.count()) {
    const before = await rows.count();
    await button.click().catch(() => {}); // it may have gone meanwhile (the last page came in)
    await app.waitUntil(async () => (await rows.count()) > before || !(await button.count()), "the next page");
  }
}

// The page ran what it had to (listeners, renders, effects): two animation frames and a task.
const settle = () =>
  page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve)))));

// Records, from now on, whether `text` is ever shown in the app's main area: window.flashes.
export const watchFor = (text) =>
  page.evaluate((text) => {
    window.flashes = [];
    const observer = new MutationObserver(() => {
      if (document.querySelector("#main")?.textContent.includes(text)) window.flashes.push(location.hash);
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  }, text);

// Records, from now on, the fewest rows `selector` matched at any moment: window.fewestRows.
export const watchRowCount = (selector) =>
  page.evaluate((selector) => {
    const count = () => document.querySelectorAll(selector).length;
    window.fewestRows = count();
    window.rowWatch?.disconnect();
    window.rowWatch = new MutationObserver(() => (window.fewestRows = Math.min(window.fewestRows, count())));
    window.rowWatch.observe(document.body, { childList: true, subtree: true });
  }, selector);
export const fewestRows = () => page.evaluate(() => window.fewestRows);

// From now on, the answer to the Delete mutation of `id` waits until the live stream has told the
// page about the deletion and the page has done what that made it do (re-reads answered and
// rendered) — the order a slow network gives them. Returns a function that undoes it.
export async function answerDeleteAfterItsLiveChange(id) {
  let heard = false;
  const stopListening = app.onFrame((payload) => {
    if (payload.includes("emailStatusChanged") && payload.includes(id)) heard = true;
  });
  const reads = []; // the page's reads of the email after it heard the change
  const onRequest = (request) => {
    if (heard && /query Email(Events)?\(/.test(request.postData() || "")) reads.push(request.response());
  };
  page.on("request", onRequest);
  const hold = async (route) => {
    if (!/mutation Delete\(/.test(route.request().postData() || "")) return route.fallback();
    const response = await route.fetch();
    await app.waitUntil(() => heard, "the deletion on the live stream");
    await settle();
    await Promise.all(reads);
    await settle();
    await route.fulfill({ response });
  };
  await page.route("**/graphql", hold);
  return async () => {
    stopListening();
    page.off("request", onRequest);
    await page.unroute("**/graphql", hold);
  };
}
