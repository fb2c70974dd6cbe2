// A list read page by page (keyset pagination), for the lists that are not the emails list (which
// applies live changes row by row): a to-do view, a campaign's members, an email's history.
// `read(after)` answers one page of a connection ({ nodes, pageInfo }). more() adds the next page;
// reload() reads again, from the first, as many pages as are shown, and shows them at once, so a
// live change never drops the rows of pages 2+ (nor shows one twice). One read at a time: a reload
// asked for meanwhile runs when it ends (several count as one); more() meanwhile does nothing
// (its button is disabled). New dependencies start over with one page.
import { html } from "./ui.js";
import { useEffect, useRef, useState } from "./vendor/preact-htm.js";

const EMPTY = { nodes: null, pageInfo: null, error: null };

export function usePages(read, dependencies) {
  const [state, setState] = useState(EMPTY);
  const [busy, setBusy] = useState(true);
  const self = useRef({ generation: 0, running: false, again: false, pages: 1, state: EMPTY });
  const it = self.current;
  it.read = read;

  const show = (next) => {
    it.state = next;
    setState(next);
  };
  // Run one read; a reload asked for while it ran follows it. A read of older dependencies is dropped.
  const run = async (job) => {
    const generation = it.generation;
    it.running = true;
    setBusy(true);
    try {
      await job(() => generation !== it.generation);
    } catch (error) {
      if (generation === it.generation) show({ ...it.state, error });
    } finally {
      if (generation === it.generation) {
        it.running = false;
        setBusy(false);
        if (it.again) reload();
      }
    }
  };
  // The first `it.pages` pages again (fewer if the list got shorter).
  const reload = () => {
    if (it.running) return void (it.again = true);
    it.again = false;
    run(async (stale) => {
      const nodes = [];
      let after = null;
      let page;
      for (let count = 0; count < it.pages; count++) {
        page = await it.read(after);
        if (stale()) return;
        const seen = new Set(nodes.map((node) => node.id));
        nodes.push(...page.nodes.filter((node) => !seen.has(node.id)));
        after = page.pageInfo.endCursor;
        if (!page.pageInfo.hasNextPage) {
          it.pages = count + 1;
          break;
        }
      }
      show({ nodes, pageInfo: page.pageInfo, error: null });
    });
  };
  const more = () => {
    if (it.running || !it.state.pageInfo?.hasNextPage) return;
    run(async (stale) => {
      const page = await it.read(it.state.pageInfo.endCursor);
      if (stale()) return;
      const seen = new Set(it.state.nodes.map((node) => node.id));
      it.pages += 1;
      show({ nodes: [...it.state.nodes, ...page.nodes.filter((node) => !seen.has(node.id))], pageInfo: page.pageInfo, error: null });
    });
  };

  useEffect(() => {
    it.generation += 1;
    Object.assign(it, { running: false, again: false, pages: 1 });
    show(EMPTY);
    reload();
  }, dependencies);
  return { ...state, busy, more, reload };
}

// "Load more" at the end of a paged list; it also loads as it scrolls into view.
export function More({ list, what }) {
  const sentinel = useRef(null);
  const more = list.pageInfo?.hasNextPage;
  useEffect(() => {
    if (!more || list.busy || !sentinel.current) return;
    const observer = new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && list.more());
    observer.observe(sentinel.current);
    return () => observer.disconnect();
  }, [more, list.busy, list.pageInfo?.endCursor]);
  if (!more) return null;
  return html`<div class="more" ref=${sentinel}>
    <button type="button" onClick=${list.more} disabled=${list.busy} aria-label=${`Load more ${what}`}>Load more</button>
  </div>`;
}
