// A search-as-you-type picker over the public API (the ARIA 1.2 combobox pattern): a labelled
// text input (role="combobox") that asks `search(text)` for matches as the user types, shows them
// in a listbox, and picks one with a click or the keyboard (Arrow Up/Down move, Enter picks,
// Escape closes). It reads no fixed first page: every person or template the API can find by
// name, address or subject can be chosen. The picked item goes to `onPick` (null once the text is
// edited away from it: an emptied filter picker means "any"); options `disabledReason(item)`
// returns text for cannot be picked. The searches every screen's pickers use are below.
import { request } from "./api.js";
import { CAMPAIGNS_SEARCH, PEOPLE_SEARCH, TEMPLATES_SEARCH } from "./documents.js";
import { html } from "./ui.js";
import { useEffect, useRef, useState } from "./vendor/preact-htm.js";

let ids = 0;
const DEBOUNCE_MS = 200;

export function Picker({ label, name, search, describe, picked, onPick, disabledReason = () => null, placeholder = "Type to search…", inputRef }) {
  const [id] = useState(() => `picker-${++ids}`);
  const [text, setText] = useState(picked ? describe(picked) : "");
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState([]);
  const [active, setActive] = useState(-1);
  const [problem, setProblem] = useState(null);
  const asked = useRef(0);

  const [searched, setSearched] = useState(false);

  // The parent may set the pick itself: show it.
  useEffect(() => {
    if (picked) setText(describe(picked));
  }, [picked?.id]);

  useEffect(() => {
    if (!open) return;
    const round = ++asked.current;
    const timer = setTimeout(() => {
      search(text.trim()).then(
        (found) => {
          if (round !== asked.current) return; // an older answer arriving late
          setItems(found);
          setActive(found.findIndex((item) => !disabledReason(item)));
          setProblem(null);
          setSearched(true);
        },
        (error) => round === asked.current && setProblem(String(error.message || error)),
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, open]);

  const choose = (item) => {
    if (!item || disabledReason(item)) return;
    onPick(item);
    setText(describe(item));
    setOpen(false);
  };
  const move = (step) => {
    if (!items.length) return;
    let next = active;
    for (let tries = 0; tries < items.length; tries++) {
      next = (next + step + items.length) % items.length;
      if (!disabledReason(items[next])) return setActive(next);
    }
  };
  const onKeyDown = (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) return setOpen(true);
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && open) {
      event.preventDefault(); // picks; never submits the form underneath
      choose(items[active]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      setOpen(false);
    }
  };
  const onInput = (event) => {
    setText(event.target.value);
    setOpen(true);
    if (picked) onPick(null);
  };

  const listId = `${id}-list`;
  const optionId = (index) => `${id}-option-${index}`;
  const expanded = open && items.length > 0;
  return html`<div class="picker">
    <label for=${id}>${label}</label>
    <input id=${id} name=${name} type="text" role="combobox" autocomplete="off" spellcheck="false"
      aria-autocomplete="list" aria-expanded=${expanded ? "true" : "false"} aria-controls=${listId}
      aria-activedescendant=${expanded && active >= 0 ? optionId(active) : null}
      placeholder=${placeholder} value=${text} ref=${inputRef}
      onInput=${onInput} onKeyDown=${onKeyDown} onFocus=${() => !picked && setOpen(true)}
      onBlur=${() => setOpen(false)} />
    <ul id=${listId} role="listbox" aria-label=${`${label} suggestions`} class="options" hidden=${!expanded}>
      ${items.map((item, index) => {
        const reason = disabledReason(item);
        return html`<li id=${optionId(index)} role="option" data-id=${item.id}
          aria-selected=${index === active ? "true" : "false"} aria-disabled=${reason ? "true" : null}
          class=${index === active ? "active" : ""}
          onMouseDown=${(event) => event.preventDefault()} onClick=${() => choose(item)}>
          ${describe(item)}${reason ? html` <span class="meta">(${reason})</span>` : null}
        </li>`;
      })}
    </ul>
    ${open && problem ? html`<p class="problem" role="alert">${problem}</p>` : null}
    ${open && searched && !problem && !items.length ? html`<p class="hint">No matches.</p>` : null}
    <p class="visually-hidden" role="status" aria-live="polite">
      ${open && searched ? `${items.length} ${items.length === 1 ? "match" : "matches"}` : ""}
    </p>
  </div>`;
}

// What the pickers search: people (name or address), templates (name or subject) and campaigns
// (name), 20 matches at a time of everything the caller may see.
export const searchPeople = async (text) => (await request(PEOPLE_SEARCH, { text: text || null })).people.nodes;
export const searchTemplates = async (text) => (await request(TEMPLATES_SEARCH, { text: text || null })).templates.nodes;
export const searchCampaigns = async (text) => (await request(CAMPAIGNS_SEARCH, { text: text || null })).campaigns.nodes;

// A campaign or template picker (a filter's, or where to add people), shown by name.
const byName = (item) => item.name;
export const CampaignPicker = (props) => html`<${Picker} search=${searchCampaigns} describe=${byName} ...${props} />`;
export const TemplatePicker = (props) => html`<${Picker} search=${searchTemplates} describe=${byName} ...${props} />`;
