// For the sign-in tests: TOTP codes as an authenticator app computes them (RFC 6238, SHA-1,
// 6 digits, 30 s), a server of a test's own (to use its setup link), and signed-out browsers.
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, TestInfo } from "@playwright/test";

/** The code of secret (base32) for the 30 s step `steps` away from now. */
export function totp(secret: string, steps = 0, now = Date.now()): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 30_000) + steps));
  const mac = createHmac("sha1", key).update(counter).digest();
  const at = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** A server of its own on a new, empty database (no demo, sign-up off), and the setup link
 * it logged. stop() ends it and removes its data. */
export async function emptyServer(): Promise<{ url: string; setupURL: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "teaminbox-e2e-setup-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(process.env.TEAMINBOX_E2E_BIN!, ["serve", "--no-demo"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      TEAMINBOX_ADDR: `127.0.0.1:${port}`,
      TEAMINBOX_DATA: join(dir, "data"),
      TEAMINBOX_PUBLIC_URL: url,
      TEAMINBOX_JWT_SECRET: "e2e-setup-secret-e2e-setup-secret-e2e",
      TEAMINBOX_SIGNUP: "false",
      TEAMINBOX_LOGIN_RATE: "1000",
      TEAMINBOX_LOG_LEVEL: "warn",
    },
  });
  const setupURL = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server logged no setup link")), 20_000);
    let buffered = "";
    const read = (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const line of buffered.split("\n")) {
        try {
          const link = (JSON.parse(line) as { setup_url?: string }).setup_url;
          if (link) {
            clearTimeout(timer);
            resolve(link);
          }
        } catch {
          /* not a whole JSON line yet */
        }
      }
    };
    server.stdout.on("data", read);
    server.stderr.on("data", read);
    server.once("exit", (code) => reject(new Error(`the server exited (${code}) before logging a setup link`)));
  });
  // The link is logged before the server listens.
  for (let i = 0; !(await fetch(url + "/readyz").then((r) => r.ok, () => false)); i++) {
    if (i > 100) throw new Error("the setup server did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    setupURL,
    stop: async () => {
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once("exit", r));
        server.kill("SIGTERM");
        // A graceful stop waits for open connections; the test has no more use for them.
        const killer = setTimeout(() => server.kill("SIGKILL"), 3_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A new browser of the test's project (desktop or phone) with nobody signed in. */
export async function signedOutPage(browser: Browser, info: TestInfo) {
  const ctx = await browser.newContext({ ...info.project.use, baseURL: process.env.TEAMINBOX_E2E_URL });
  return ctx.newPage();
}

/** Calls the API of the server at base (the e2e server unless told) without failing on errors. */
export async function rawCall(method: string, path: string, body?: unknown, token?: string, base = process.env.TEAMINBOX_E2E_URL!) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...(token ? { Authorization: "Bearer " + token } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json().catch(() => ({}))) as { data?: Record<string, unknown>; error?: { message: string } };
  return { status: res.status, data: json.data ?? {}, error: json.error };
}
