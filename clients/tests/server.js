// A live `command-center serve` for one test file: its own SQLite database (seeded with the demo
// team), a free loopback port, mail captured to files, no inbound SMTP. Yields its URL and the
// admin token it prints.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const COMMAND =
  process.env.CC_COMMAND || path.join(ROOT, ".venv", "bin", "command-center");

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startServer(env = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "cc-clients-"));
  const port = await freePort();
  const child = spawn(COMMAND, ["serve", "--host", "127.0.0.1", "--port", String(port)], {
    cwd: dir,
    env: {
      // Only the settings chosen here and by the test: none leak in from the caller's shell.
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CC_"))),
      CC_DATABASE_URL: `sqlite://${path.join(dir, "cc.sqlite3")}`,
      CC_SMTP_URL: `file://${path.join(dir, "mail")}`,
      CC_DEMO: "1",
      CC_INBOUND_SMTP_PORT: "0",
      CC_EVENTS_URL: "",
      CC_BROKER_URL: "",
      CC_PERSISTED_QUERIES_URL: "",
      CC_LOG_LEVEL: "WARNING",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = `http://127.0.0.1:${port}`;
  const token = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 90_000);
    const read = (chunk) => {
      output += chunk;
      const match = output.match(/Authorization: Bearer (\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
  // The token is printed before uvicorn listens: wait for the health check.
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch (error) {
      if (attempt > 300) throw new Error(`serve did not answer:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const signedInUrl = output.match(/GraphiQL \(signed in\): (\S+)/)?.[1];
  const appUrl = output.match(/Command Center \(signed in\): (\S+)/)?.[1];
  return {
    url,
    dir,
    appUrl,
    graphql: `${url}/graphql`,
    token,
    signedInUrl,
    output: () => output,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A plain GraphQL POST with the admin's token (to trigger changes outside the client under test).
export async function post(server, query, variables = {}) {
  const response = await fetch(server.graphql, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const result = await response.json();
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data;
}

export const CREATE_DRAFT = `mutation($input: CreateDraftInput!) {
  createDraft(input: $input) { email { id subject status } userErrors { code } }
}`;
export const SEND_NOW = `mutation($id: ID!) {
  sendEmailNow(input: {id: $id}) { email { id status } userErrors { code } }
}`;

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    }),
  ]);
}
