// Builds the server, starts it on SQLite in a new directory with sign-up on (each test signs
// up a business of its own), and starts the fake providers. Both stop with the test run.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startFakeProvider } from "./fake-provider";
import { seedBenchmark } from "./reports-fixtures";

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export default async function globalSetup() {
  const root = resolve(fileURLToPath(import.meta.url), "../../..");
  const dir = mkdtempSync(join(tmpdir(), "teaminbox-e2e-"));
  const bin = join(dir, "teaminbox");
  execFileSync("go", ["build", "-o", bin, "./cmd/teaminbox"], { cwd: root, stdio: "inherit" });
  const fake = await startFakeProvider();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const data = join(dir, "data");
  const secret = "e2e-secret-e2e-secret-e2e-secret-e2e";
  // The reports' acceptance test (reports.spec.ts) reads a seeded benchmark tenant, as its admin.
  process.env.TEAMINBOX_E2E_SEEDED_TOKEN = seedBenchmark(bin, { ...process.env, TEAMINBOX_DATA: data, TEAMINBOX_JWT_SECRET: secret });
  const server = spawn(bin, ["serve"], {
    cwd: dir,
    stdio: ["ignore", "ignore", process.env.E2E_SERVER_LOG ? "inherit" : "ignore"],
    env: {
      ...process.env,
      TEAMINBOX_ADDR: `127.0.0.1:${port}`,
      TEAMINBOX_DATA: data,
      TEAMINBOX_PUBLIC_URL: url,
      TEAMINBOX_JWT_SECRET: secret,
      TEAMINBOX_DEMO_PASSWORD: "demo-password-1",
      TEAMINBOX_SIGNUP: "true",
      TEAMINBOX_LOGIN_RATE: "1000",
      TEAMINBOX_MEDIA_HOSTS: "127.0.0.1",
      TEAMINBOX_LOG_LEVEL: "warn",
    },
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(url + "/readyz")).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 100 || server.exitCode !== null) throw new Error("the server did not start; rerun with E2E_SERVER_LOG=1");
    await new Promise((r) => setTimeout(r, 100));
  }
  process.env.TEAMINBOX_E2E_URL = url;
  process.env.TEAMINBOX_E2E_FAKE = fake.url;
  process.env.TEAMINBOX_E2E_BIN = bin; // for specs that start a server of their own (auth.spec.ts)
  return async () => {
    server.kill("SIGTERM");
    fake.server.close();
    await new Promise((r) => server.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  };
}
