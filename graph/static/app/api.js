// The API token and GraphQL over HTTP. The token comes from the sign-in form or from the URL
// fragment (`/#token=cc_…`, which browsers never send to a server), is kept in this browser's
// localStorage until sign-out, and goes out only as the Authorization header of our own requests.
const KEY = "command-center.token";

export class UnauthorizedError extends Error {}

export function token() {
  return localStorage.getItem(KEY);
}

export function signIn(value) {
  localStorage.setItem(KEY, value.trim());
}

export function signOut() {
  localStorage.removeItem(KEY);
}

// `/#token=cc_…`: keep the token, then drop it from the address bar (and from history).
export function takeTokenFromFragment() {
  const match = location.hash.match(/^#token=([^&]+)/);
  if (!match) return;
  signIn(decodeURIComponent(match[1]));
  history.replaceState(null, "", `${location.pathname}#/emails/PENDING`);
}

// One GraphQL request; resolves to `data`. GraphQL errors reject (they are bugs or outages: the
// userErrors of mutations are data, and the screens show them next to their fields).
export async function request(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      authorization: `Bearer ${token()}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) throw new UnauthorizedError("The token was refused.");
  const result = await response.json();
  if (result.errors?.length) {
    const error = new Error(result.errors.map((e) => e.message).join("; "));
    error.errors = result.errors; // with their extensions { code, field }
    throw error;
  }
  return result.data;
}
