// The audit log: the actions people made, by whom, filtered by person, action and days, with
// each entry's before and after, a page at a time (issue 21, Administration).
import { expect, shot, signIn, test } from "./fixtures";

test.describe.configure({ timeout: 90_000 });

/** yyyy-mm-dd of d in the browser's (and this machine's) time zone. */
const day = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

test("the audit log shows who did what, filtered by person, action and date", async ({ page, biz }, info) => {
  const admin = await biz.member("admin", "Ada", "Admin");
  await biz.api("PATCH", "/v1/business", { name: "Audited Shop" });
  await biz.api("POST", "/v1/teams", { name: "Night shift" }, admin.token);
  await signIn(page, biz.owner, "/settings/audit-log");

  const rows = page.locator("tbody tr:not(.details)");
  const row = (action: string) => rows.filter({ has: page.getByText(action, { exact: true }) });
  await expect(row("team.created")).toHaveCount(1);
  await expect(row("team.created")).toContainText("Ada Admin");
  await expect(row("team.created")).toContainText("team Night shift");
  await expect(row("business.updated")).toContainText("Olivia Owner");
  await expect(page.getByText(/Times and days are in your browser's time zone/)).toBeVisible();
  await shot(page, info, "audit-log");

  // The details of the business's change: its name before and after.
  await row("business.updated").getByRole("button", { name: /Details/ }).click();
  const details = page.locator("tr.details");
  await expect(details.getByRole("heading", { name: "Before" })).toBeVisible();
  await expect(details).toContainText('"name": "E2E Shop"');
  await expect(details).toContainText('"name": "Audited Shop"');
  await shot(page, info, "audit-details");

  // By person: Ada's joining and her team, not the owner's change.
  const filters = page.getByRole("form", { name: "Filter the audit log" });
  await filters.getByLabel("Person").selectOption({ label: "Ada Admin" });
  await expect(row("business.updated")).toHaveCount(0);
  await expect(rows).toHaveCount(2);
  await expect(row("team.created")).toBeVisible();
  await expect(row("invitation.accepted")).toBeVisible();
  // By action, with the person cleared.
  await filters.getByLabel("Person").selectOption({ label: "Anyone" });
  await filters.getByLabel("Action").fill("business.updated");
  await filters.getByRole("button", { name: "Filter" }).click();
  await expect(rows).toHaveCount(1);
  await expect(row("business.updated")).toBeVisible();
  // By date: today has both; only yesterday has none.
  await filters.getByRole("button", { name: "Clear" }).click();
  const today = new Date();
  const yesterday = new Date(today.getTime() - 86_400_000);
  await filters.getByLabel("From").fill(day(today));
  await filters.getByLabel("To").fill(day(today));
  await expect(row("team.created")).toBeVisible();
  await expect(row("business.updated")).toBeVisible();
  await filters.getByLabel("From").fill(day(yesterday));
  await filters.getByLabel("To").fill(day(yesterday));
  await expect(page.getByText("No entries match.")).toBeVisible();
  await shot(page, info, "audit-filtered");
});

test("the audit log pages through older entries", async ({ page, biz }) => {
  for (let i = 0; i < 53; i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, 53 - i) }, (_, j) => biz.api("POST", "/v1/tags", { name: `tag-${i + j}`, color: "#336699" })));
  }
  await signIn(page, biz.owner, "/settings/audit-log");
  const all = (await biz.api<{ entries: { action: string }[] }>("GET", "/v1/audit-log?limit=200")).entries;
  expect(all.filter((e) => e.action === "tag.created")).toHaveLength(53);
  const rows = page.locator("tbody tr:not(.details)");
  await expect(rows).toHaveCount(50);
  await page.getByRole("button", { name: "Load older entries" }).click();
  await expect(rows).toHaveCount(all.length);
  await expect(page.getByRole("button", { name: "Load older entries" })).toHaveCount(0);
});

test("a filter's late answer never replaces the answer to a later filter", async ({ page, biz }) => {
  await biz.api("PATCH", "/v1/business", { name: "Audited Shop" });
  await signIn(page, biz.owner, "/settings/audit-log");
  const rows = page.locator("tbody tr:not(.details)");
  await expect(rows.first()).toContainText("business.updated");
  // The answer for "From yesterday" (no end yet) comes late, after the one for yesterday only.
  const yesterday = day(new Date(Date.now() - 86_400_000));
  let late: Promise<unknown> | undefined;
  await page.route(/\/v1\/audit-log\?/, async (route) => {
    const q = new URL(route.request().url()).searchParams;
    if (q.get("from") && !q.get("to")) {
      late = page.waitForResponse((r) => r.url() === route.request().url());
      await new Promise((r) => setTimeout(r, 1_500));
    }
    await route.continue();
  });
  const filters = page.getByRole("form", { name: "Filter the audit log" });
  await filters.getByLabel("From").fill(yesterday);
  await filters.getByLabel("To").fill(yesterday);
  await expect(page.getByText("No entries match.")).toBeVisible();
  expect(late).toBeDefined();
  await late;
  await expect(page.getByText("No entries match.")).toBeVisible();
  await expect(rows).toHaveCount(1); // the one row saying so
});

test("an admin reads the audit log; an executive is not shown it", async ({ page, biz }) => {
  const admin = await biz.member("admin");
  await signIn(page, admin, "/settings/audit-log");
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await expect(page.getByText("user.invited").first()).toBeVisible();
  const exec = await biz.member("executive");
  const other = await page.context().newPage();
  await signIn(other, exec, "/settings/audit-log");
  await expect(other).toHaveURL(/\/settings\/account$/);
  await expect(other.getByRole("heading", { name: "Audit log" })).toHaveCount(0);
});
