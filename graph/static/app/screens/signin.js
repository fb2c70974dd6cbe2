// Sign in with an API token (`command-center create-user` or `make run` print one).
import { html, Problem } from "../ui.js";
import { useState } from "../vendor/preact-htm.js";

export function SignIn({ onSignIn, problem }) {
  const [value, setValue] = useState("");
  const submit = (event) => {
    event.preventDefault();
    if (value.trim()) onSignIn(value);
  };
  return html`<main class="signin">
    <h1>Command Center</h1>
    <form onSubmit=${submit}>
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="off" placeholder="cc_…"
        value=${value} onInput=${(event) => setValue(event.target.value)} required />
      <button type="submit">Sign in</button>
    </form>
    <${Problem} error=${problem} />
    <p class="hint">The token stays in this browser until you sign out. <code>make run</code> prints a
      link that signs in directly; the API itself is at <a href="/graphql">/graphql</a>.</p>
  </main>`;
}
