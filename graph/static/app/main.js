// The app shell: sign-in gate, navigation, live status and the hash router (#/emails/SENT,
// #/email/ID, #/compose, #/tasks/TODAY, #/search, #/campaigns, #/campaign/ID, #/reports).
import { UnauthorizedError, request, signIn, signOut, takeTokenFromFragment, token } from "./api.js";
import { ME } from "./documents.js";
import { disconnect, liveStatus, onStatus } from "./live.js";
import { start, stop } from "./stores.js";
import { html, Problem, useExternal } from "./ui.js";
import { render, useEffect, useState } from "./vendor/preact-htm.js";
import { Campaign, Campaigns } from "./screens/campaigns.js";
import { Compose } from "./screens/compose.js";
import { EmailPage } from "./screens/email.js";
import { Emails } from "./screens/emails.js";
import { Reports } from "./screens/reports.js";
import { Search } from "./screens/search.js";
import { SignIn } from "./screens/signin.js";
import { Tasks } from "./screens/tasks.js";

const NAV = [
  ["emails", "Emails"],
  ["compose", "Compose"],
  ["tasks", "Tasks"],
  ["search", "Search"],
  ["campaigns", "Campaigns"],
  ["reports", "Reports"],
];

function useRoute() {
  const read = () => (location.hash.replace(/^#\/?/, "") || "emails/PENDING").split("/");
  const [route, setRoute] = useState(read());
  useEffect(() => {
    const changed = () => setRoute(read());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}

function LiveBadge() {
  const status = useExternal(liveStatus, onStatus);
  const text = { live: "Live", connecting: "Connecting…", offline: "Reconnecting…" }[status];
  return html`<span class=${`live live-${status}`} role="status" aria-live="polite" data-live=${status}>${text}</span>`;
}

function Screen({ route, me }) {
  const [name, ...rest] = route;
  switch (name) {
    case "email":
      return html`<${EmailPage} key=${rest[0]} id=${decodeURIComponent(rest[0])} me=${me} />`;
    case "compose":
      return html`<${Compose} me=${me} />`;
    case "tasks":
      return html`<${Tasks} view=${rest[0] || "TODAY"} />`;
    case "search":
      return html`<${Search} savedId=${rest[0]} />`;
    case "campaigns":
      return html`<${Campaigns} />`;
    case "campaign":
      return html`<${Campaign} id=${rest[0]} state=${rest[1]} />`;
    case "reports":
      return html`<${Reports} me=${me} />`;
    default:
      return html`<${Emails} folder=${rest[0] || "PENDING"} status=${rest[1] || null} />`;
  }
}

function App() {
  const [signedIn, setSignedIn] = useState(Boolean(token()));
  const [me, setMe] = useState(null);
  const [problem, setProblem] = useState(null);
  const route = useRoute();

  useEffect(() => {
    if (!signedIn) return;
    let current = true;
    request(ME).then(
      (data) => {
        if (!current) return;
        setMe(data.me);
        start();
      },
      (error) => {
        if (!current) return;
        if (error instanceof UnauthorizedError) {
          signOut();
          setSignedIn(false);
        }
        setProblem(error);
      },
    );
    return () => {
      current = false;
    };
  }, [signedIn]);

  const leave = () => {
    stop();
    disconnect();
    signOut();
    setMe(null);
    setSignedIn(false);
  };

  if (!signedIn) {
    return html`<${SignIn} problem=${problem} onSignIn=${(value) => {
      signIn(value);
      setProblem(null);
      setSignedIn(true);
    }} />`;
  }
  if (!me) return html`<main class="loading"><${Problem} error=${problem} />Signing in…</main>`;
  return html`
    <header class="top">
      <a class="brand" href="#/emails/PENDING">Command Center</a>
      <nav aria-label="Screens">
        ${NAV.map(
          ([key, text]) =>
            html`<a href=${`#/${key}`} aria-current=${route[0] === key || (key === "emails" && route[0] === "email") ? "page" : null}>${text}</a>`,
        )}
        <a href="/graphql" target="_blank" rel="noopener">GraphiQL</a>
      </nav>
      <div class="who">
        <${LiveBadge} />
        <span class="me">${me.name} · ${me.team.name}</span>
        <button type="button" onClick=${leave}>Sign out</button>
      </div>
    </header>
    <main id="main"><${Screen} route=${route} me=${me} /></main>
  `;
}

takeTokenFromFragment();
const root = document.getElementById("app");
root.textContent = ""; // the "Loading…" placeholder: render() would keep it
render(html`<${App} />`, root);
