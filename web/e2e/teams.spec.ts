// The Teams page: create, rename, members in and out, and deletion, which says what becomes of
// the team's conversations; only admins see it.
import { acceptNextDialog } from "./people-fixtures";
import { expect, shot, signIn, test } from "./fixtures";

// Each test is a whole story (a business, people, conversations): twice the default time.
test.describe.configure({ timeout: 60_000 });

type Team = { id: string; name: string; member_ids: string[]; member_count: number };

test("an owner creates a team, renames it, adds and removes members, and deletes it", async ({ page, biz }, info) => {
  const erik = await biz.member("executive");
  await biz.api("POST", "/v1/teams", { name: "Billing" });
  const teams = async () => (await biz.api<{ teams: Team[] }>("GET", "/v1/teams")).teams;
  await signIn(page, biz.owner, "/settings/teams");

  // A name in use, in any case, is refused next to the field.
  await page.getByLabel("New team").fill("billing");
  await page.getByRole("button", { name: "Create team" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await page.getByLabel("New team").fill("Sales");
  await page.getByRole("button", { name: "Create team" }).click();
  const card = page.getByRole("region", { name: "Team Sales" });
  await expect(card).toContainText("0 members");
  const sales = (await teams()).find((t) => t.name === "Sales")!;
  expect(sales.member_ids).toEqual([]);

  await card.getByRole("button", { name: "Rename Sales" }).click();
  await card.getByLabel("New name of Sales").fill("Key accounts");
  await card.getByRole("button", { name: "Save" }).click();
  const renamed = page.getByRole("region", { name: "Team Key accounts" });
  await expect(renamed.getByRole("heading")).toHaveText("Key accounts");
  expect((await teams()).find((t) => t.id === sales.id)?.name).toBe("Key accounts");

  for (const who of ["Erik Agent", "Olivia Owner"]) {
    await renamed.getByLabel("Add a person to Key accounts").selectOption({ label: who });
    await renamed.getByRole("button", { name: "Add" }).click();
    await expect(renamed.getByRole("list", { name: "Members of Key accounts" })).toContainText(who);
  }
  await expect(renamed).toContainText("2 members");
  expect((await teams()).find((t) => t.id === sales.id)?.member_ids.sort()).toEqual([erik.user.id, biz.owner.user.id].sort());
  await shot(page, info, "teams");

  await renamed.getByRole("button", { name: "Remove Erik Agent from Key accounts" }).click();
  await expect(renamed).toContainText("1 member");
  expect((await teams()).find((t) => t.id === sales.id)?.member_ids).toEqual([biz.owner.user.id]);
  // The session's directory follows without a reload: the inbox's team filter names the team
  // (it would show a bare id for a team the session does not know).
  await page.evaluate((id) => {
    history.pushState(null, "", "/inbox?assigned_team=" + id);
    dispatchEvent(new PopStateEvent("popstate"));
  }, sales.id);
  await expect(page.getByText("Team: Key accounts")).toBeVisible();
  await page.getByRole("navigation", { name: "Areas" }).getByRole("link", { name: "Settings" }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Teams" }).click();

  // Deleting says what becomes of the team's conversations, and does it.
  const ch = await biz.telegram();
  await biz.inbound(ch, "Hello", { first: "Ann" });
  const [c] = await biz.conversations();
  await biz.api("PATCH", `/v1/conversations/${c.id}/assign`, { assigned_user_id: erik.user.id, assigned_team_id: sales.id });
  const asked = acceptNextDialog(page);
  await page.getByRole("button", { name: "Delete Key accounts" }).click();
  await expect(page.getByRole("region", { name: "Team Key accounts" })).toHaveCount(0);
  expect(asked.message).toContain("1 conversation assigned to it will keep their assignee but lose the team");
  expect((await teams()).map((t) => t.name)).toEqual(["Billing"]);
  const after = await biz.api<{ conversation: { assigned_team: unknown; assigned_user: { id: string } } }>("GET", `/v1/conversations/${c.id}`);
  expect(after.conversation.assigned_team).toBeNull();
  expect(after.conversation.assigned_user.id).toBe(erik.user.id);
});

test("a dismissed deletion keeps the team", async ({ page, biz }) => {
  await biz.api("POST", "/v1/teams", { name: "Billing" });
  await signIn(page, biz.owner, "/settings/teams");
  page.once("dialog", (d) => void d.dismiss());
  await page.getByRole("button", { name: "Delete Billing" }).click();
  await expect(page.getByRole("region", { name: "Team Billing" })).toBeVisible();
  expect((await biz.api<{ teams: Team[] }>("GET", "/v1/teams")).teams.map((t) => t.name)).toEqual(["Billing"]);
});

for (const role of ["executive", "viewer"] as const) {
  test(`${role === "executive" ? "an" : "a"} ${role} does not see People or Teams`, async ({ page, biz }) => {
    const who = await biz.member(role);
    await signIn(page, who, "/settings/teams");
    await expect(page).toHaveURL(/\/settings\/account$/);
    const nav = page.getByRole("navigation", { name: "Settings" });
    await expect(nav.getByRole("link", { name: "Teams" })).toHaveCount(0);
    await expect(nav.getByRole("link", { name: "People" })).toHaveCount(0);
    await expect(page.getByRole("heading", { name: "Teams" })).toHaveCount(0);
  });
}
