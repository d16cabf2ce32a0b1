// The reports' tests: the seeded benchmark tenant (made by global-setup), and what the
// dashboard should show for an answer of the statistics API, read back from the page.
import type { Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { dirname } from "node:path";
import { duration, kindName, label } from "../src/lib/format";

/** Seeds a benchmark tenant with the teaminbox binary bin on env's data folder (before the
 * server starts) and returns a token of its admin. About 5 s for this size. */
export function seedBenchmark(bin: string, env: NodeJS.ProcessEnv): string {
  const run = (args: string[]) => execFileSync(bin, args, { cwd: dirname(bin), env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const out = run(["seed", "--conversations", "2000", "--messages", "10000"]);
  const tenant = /^tenant (\S+)$/m.exec(out)?.[1];
  const admin = /^admin (\S+)$/m.exec(out)?.[1];
  if (!tenant || !admin) throw new Error("teaminbox seed printed no tenant and admin: " + out);
  return run(["token", "--tenant", tenant, "--user", admin]).trim();
}

/** The number of days the seed spreads conversations over, back from when it ran. */
export const seededDays = 90;

type Distribution = { count: number; median_seconds: number | null; p75_seconds: number | null; p90_seconds: number | null; p95_seconds: number | null; buckets: { up_to_seconds: number | null; count: number }[] };
type Agent = { user_id: string; first_name: string; last_name: string; active: boolean; open: number; resolved: number; median_first_response_seconds: number | null; median_resolution_seconds: number | null };
export type Statistics = {
  total_conversations: number;
  active_conversations: number;
  pending_conversations: number;
  closed_conversations: number;
  conversation_by_channel: Record<string, number>;
  conversation_by_status: Record<string, number>;
  conversation_by_day: Record<string, number>;
  first_response?: Distribution;
  resolution?: Distribution;
  agents?: Agent[];
};
export type Range = { from: string; to: string };

/** The statistics the dashboard asks for, asked directly. */
export async function statistics(token: string, range: Range, team = ""): Promise<Statistics> {
  const q = new URLSearchParams({ start_date: range.from, end_date: range.to, include: "distributions,agents" });
  if (team) q.set("team_id", team);
  const res = await fetch(`${process.env.TEAMINBOX_E2E_URL}/v1/conversations/statistics?${q}`, { headers: { Authorization: "Bearer " + token } });
  if (!res.ok) throw new Error(`statistics: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: Statistics }).data;
}

/** Today in timeZone, YYYY-MM-DD. */
export function todayIn(timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

export function addDays(day: string, n: number): string {
  const d = new Date(day + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export const agentName = (a: { first_name: string; last_name: string }) => `${a.first_name} ${a.last_name}`.trim();

/** A table's rows, sorted, for the tables whose order the test does not fix. */
const sorted = (rows: string[][]) => [...rows].sort((a, b) => a.join("|").localeCompare(b.join("|")));

const buckets = ["Up to 1m", "1m to 5m", "5m to 15m", "15m to 1h", "1h to 4h", "4h to 1d", "1d to 3d", "More than 3d"];
const distributionRows = (d: Distribution) => ({
  histogram: d.buckets.map((b, i) => [buckets[i], String(b.count)]),
  percentiles: [String(d.count), duration(d.median_seconds), duration(d.p75_seconds), duration(d.p90_seconds), duration(d.p95_seconds)],
});

/** What the dashboard must show for s over range: the summary's figures and every table's
 * rows (the percentiles' values). */
export function expected(s: Statistics, range: Range) {
  const perDay: string[][] = [];
  for (let d = range.from; d <= range.to; d = addDays(d, 1)) perDay.push([d, String(s.conversation_by_day[d] ?? 0)]);
  return {
    summary: {
      Conversations: String(s.total_conversations),
      Open: String(s.active_conversations + s.pending_conversations),
      Closed: String(s.closed_conversations),
      "Median first response": duration(s.first_response?.median_seconds),
      "Median resolution": duration(s.resolution?.median_seconds),
    },
    perDay,
    byChannel: sorted(Object.entries(s.conversation_by_channel).map(([k, n]) => [kindName(k), String(n)])),
    byStatus: sorted(Object.entries(s.conversation_by_status).map(([k, n]) => [label(k), String(n)])),
    firstResponse: s.first_response && distributionRows(s.first_response),
    resolution: s.resolution && distributionRows(s.resolution),
    agents: s.agents?.map((a) => [agentName(a) + (a.active ? "" : " (deactivated)"), String(a.open), String(a.resolved), duration(a.median_first_response_seconds), duration(a.median_resolution_seconds)]),
  };
}

/** The same figures, read from the page. */
export async function shown(page: Page) {
  const { summary, tables } = await page.evaluate(() => ({
    summary: Object.fromEntries(Array.from(document.querySelectorAll(".summary > div"), (d) => [d.querySelector("dt")?.textContent?.trim(), d.querySelector("dd")?.textContent?.trim()])),
    tables: Object.fromEntries(
      Array.from(document.querySelectorAll("table"), (t) => [
        t.caption?.textContent?.trim() ?? "",
        Array.from(t.tBodies[0].rows, (r) => Array.from(r.cells, (c) => c.textContent?.trim() ?? "")),
      ]),
    ),
  }));
  const distribution = (title: string) =>
    tables[`${title} histogram`] && {
      histogram: tables[`${title} histogram`],
      percentiles: tables[`${title} percentiles`].map((r) => r[1]),
    };
  return {
    summary,
    perDay: tables["Conversations per day"],
    byChannel: tables["Conversations by channel"] && sorted(tables["Conversations by channel"]),
    byStatus: tables["Conversations by status"] && sorted(tables["Conversations by status"]),
    firstResponse: distribution("First response time"),
    resolution: distribution("Resolution time"),
    agents: tables["Agents"],
  };
}

/** The rows of an RFC 4180 CSV file (quoted fields, doubled quotes, CRLF records). */
export function parseCSV(text: string): string[][] {
  const rows: string[][] = [];
  const field = /("((?:[^"]|"")*)"|[^,\r\n]*)(,|\r\n|$)/y;
  let row: string[] = [];
  while (field.lastIndex < text.length) {
    const m = field.exec(text);
    if (!m) throw new Error("not CSV at " + field.lastIndex);
    row.push(m[2] !== undefined ? m[2].replaceAll('""', '"') : m[1]);
    if (m[3] !== ",") {
      rows.push(row);
      row = [];
    }
  }
  return rows;
}
