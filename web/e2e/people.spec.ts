// The People page: invitations from the form to the invitee's link (copied, renewed, revoked),
// the people with their role, teams, availability and state, role changes, password reset
// links, and deactivation that hands the person's open conversations to someone else.
import { randomUUID } from "node:crypto";
import { acceptNextDialog, invitationWorks, statusOf, tokenOf } from "./people-fixtures";
import { expect, otherBrowser, shot, signIn, test } from "./fixtures";

// Each test is a whole story (a business, people, conversations): twice the default time.
test.describe.configure({ timeout: 60_000 });

type User = { id: string; first_name: string; role: string; deactivated_at?: string | null };
type Invitation = { id: string; email: string; role: string; team_ids: string[] };

async function users(biz: { api: <T>(m: string, p: string) => Promise<T> }) {
  return (await biz.api<{ users: User[] }>("GET", "/v1/users")).users;
}

test("an owner invites someone, copies a new link, resends it and revokes it", async ({ page, biz, context }, info) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const team = (await biz.api<{ team: { id: string } }>("POST", "/v1/teams", { name: "Billing" })).team;
  await signIn(page, biz.owner, "/settings/people");
  const form = page.getByRole("form", { name: "Invite someone" });

  // Bad input is answered next to the field, by the server.
  await form.getByLabel("Email").fill("not an email");
  await form.getByRole("button", { name: "Send invitation" }).click();
  await expect(form.getByRole("alert")).toHaveText("Must be an email address");
  await form.getByLabel("Email").fill(biz.owner.email);
  await form.getByRole("button", { name: "Send invitation" }).click();
  await expect(form.getByRole("alert")).toContainText("already has an account");

  const email = `nina-${randomUUID().slice(0, 8)}@e2e.test`;
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Role").selectOption("executive");
  await form.getByRole("checkbox", { name: "Billing" }).check();
  await form.getByRole("button", { name: "Send invitation" }).click();
  await expect(form.getByRole("status").first()).toContainText(`Invitation for ${email} created`);
  const first = await form.getByLabel(`Invitation link for ${email}`).inputValue();
  expect(first).toMatch(/\/accept\?token=/);
  await form.getByRole("button", { name: "Copy" }).click();
  await expect(form.getByText("Copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first);
  expect(await invitationWorks(first)).toBe(true);

  const pending = (await biz.api<{ invitations: Invitation[] }>("GET", "/v1/invitations")).invitations;
  expect(pending.map((i) => [i.email, i.role, i.team_ids])).toEqual([[email, "executive", [team.id]]]);
  const row = page.getByRole("row", { name: `Invitation for ${email}` });
  await expect(row).toContainText("Executive");
  await expect(row).toContainText("Billing");
  await shot(page, info, "people-invited");

  // Copy link renews the link: the one handed over before stops working.
  await row.getByRole("button", { name: `Copy a new link for ${email}` }).click();
  const renewed = page.getByLabel(`New invitation link for ${email}`);
  await expect(renewed).toHaveValue(/\/accept\?token=/);
  await expect(page.getByText("A new link: the one sent before stops working.")).toBeVisible();
  const second = await renewed.inputValue();
  expect(second).not.toBe(first);
  expect(await invitationWorks(first)).toBe(false);
  expect(await invitationWorks(second)).toBe(true);
  // The form no longer shows the first link, which stopped working.
  await expect(form.getByLabel(`Invitation link for ${email}`)).toHaveCount(0);
  await shot(page, info, "people-new-link");

  // Without a mail server, Resend answers the link too, and again the previous one stops.
  await row.getByRole("button", { name: `Resend the invitation for ${email}` }).click();
  await expect(renewed).not.toHaveValue(second);
  const third = await renewed.inputValue();
  expect(await invitationWorks(second)).toBe(false);
  expect(await invitationWorks(third)).toBe(true);

  const asked = acceptNextDialog(page);
  await row.getByRole("button", { name: `Revoke the invitation for ${email}` }).click();
  await expect(row).toHaveCount(0);
  expect(asked.message).toContain(email);
  await expect(page.getByText("No pending invitations.")).toBeVisible();
  expect((await biz.api<{ invitations: Invitation[] }>("GET", "/v1/invitations")).invitations).toEqual([]);
  expect(await invitationWorks(third)).toBe(false);
  expect(await statusOf("POST", "/v1/invitations/accept", { token: tokenOf(third), first_name: "Nina", password: "a long enough secret" })).toBe(400);
});

test("an accepted invitation shows the person as active with their role and teams", async ({ page, biz }, info) => {
  const team = (await biz.api<{ team: { id: string } }>("POST", "/v1/teams", { name: "Support" })).team;
  const email = `nina-${randomUUID().slice(0, 8)}@e2e.test`;
  const inv = await biz.api<{ link: string }>("POST", "/v1/invitations", { email, role: "executive", team_ids: [team.id] });
  await biz.api("POST", "/v1/invitations/accept", { token: tokenOf(inv.link), first_name: "Nina", last_name: "Newcomer", password: "a long enough secret" }, "");
  await signIn(page, biz.owner, "/settings/people");

  const row = page.getByRole("row", { name: "Nina Newcomer" });
  await expect(row.getByRole("combobox", { name: "Role of Nina Newcomer" })).toHaveValue("executive");
  await expect(row).toContainText(email);
  await expect(row).toContainText("Support");
  await expect(row).toContainText("offline");
  await expect(row).toContainText("Active");
  // The owner is themselves: no role to change, no deactivation.
  const me = page.getByRole("row", { name: /Olivia Owner/ });
  await expect(me).toContainText("(you)");
  await expect(me.getByRole("combobox")).toHaveCount(0);
  await expect(me.getByRole("button", { name: /Deactivate/ })).toHaveCount(0);
  await expect(page.getByText("No pending invitations.")).toBeVisible();
  await shot(page, info, "people-list");
});

test("an owner changes a role and issues a password reset link", async ({ page, biz }) => {
  const erik = await biz.member("executive");
  await signIn(page, biz.owner, "/settings/people");
  const row = page.getByRole("row", { name: "Erik Agent" });

  const asked = acceptNextDialog(page);
  await row.getByRole("combobox", { name: "Role of Erik Agent" }).selectOption("admin");
  await expect(page.getByRole("status").filter({ hasText: "Erik Agent is now Admin." })).toBeVisible();
  expect(asked.message).toContain("signed out");
  expect((await users(biz)).find((u) => u.id === erik.user.id)?.role).toBe("admin");
  // The new role's token carries it: Erik's old one is revoked.
  expect(await statusOf("GET", "/v1/auth/me", undefined, erik.token)).toBe(401);

  await row.getByRole("button", { name: "Issue a password reset link for Erik Agent" }).click();
  const link = await page.getByRole("textbox", { name: "Password reset link for Erik Agent" }).inputValue();
  expect(link).toMatch(/\/reset-password\?token=/);
  expect(await statusOf("POST", "/v1/auth/password-reset/confirm", { token: tokenOf(link), new_password: "a fresh long secret" })).toBe(200);
  expect(await statusOf("POST", "/v1/auth/login", { email: erik.email, password: "a fresh long secret" })).toBe(200);
});

test("an admin cannot invite or make a super admin, nor touch the owner", async ({ page, biz }, info) => {
  const admin = await biz.member("admin", "Ada", "Admin");
  await signIn(page, admin, "/settings/people");
  const role = page.getByRole("form", { name: "Invite someone" }).getByLabel("Role");
  await expect(role.getByRole("option")).toHaveText(["Admin", "Executive", "Viewer"]);
  const owner = page.getByRole("row", { name: "Olivia Owner" });
  await expect(owner).toContainText("Super admin");
  await expect(owner.getByRole("combobox")).toHaveCount(0);
  await expect(owner.getByRole("button")).toHaveCount(0);
  await shot(page, info, "people-as-admin");
  // The server holds the same line.
  expect(await statusOf("POST", "/v1/invitations", { email: "boss@e2e.test", role: "super_admin" }, admin.token)).toBe(403);
});

test("deactivating someone hands their open conversations to another person", async ({ page, biz }, info) => {
  const erik = await biz.member("executive", "Erik", "Leaving");
  const sara = await biz.member("executive", "Sara", "Staying");
  const ch = await biz.telegram();
  await biz.inbound(ch, "First question", { first: "Ann" });
  await biz.inbound(ch, "Second question", { first: "Bob" });
  for (const c of await biz.conversations()) {
    await biz.api("PATCH", `/v1/conversations/${c.id}/assign`, { assigned_user_id: erik.user.id });
  }
  await signIn(page, biz.owner, "/settings/people");

  await page.getByRole("button", { name: "Deactivate Erik Leaving" }).click();
  const dialog = page.getByRole("dialog", { name: "Deactivate Erik Leaving" });
  await expect(dialog.getByRole("status")).toHaveText("Erik Leaving has 2 open conversations.");
  await dialog.getByLabel("Reassign to").selectOption({ label: "Sara Staying" });
  await shot(page, info, "people-deactivate");
  await dialog.getByRole("button", { name: "Deactivate Erik Leaving" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole("status").filter({ hasText: "Erik Leaving is deactivated. 2 conversations reassigned to Sara Staying." })).toBeVisible();
  const row = page.getByRole("row", { name: "Erik Leaving" });
  await expect(row).toContainText("Deactivated");

  const moved = await biz.api<{ pagination: { total: number } }>("GET", `/v1/conversations?assigned_to=${sara.user.id}`);
  expect(moved.pagination.total).toBe(2);
  expect((await users(biz)).find((u) => u.id === erik.user.id)?.deactivated_at).toBeTruthy();
  expect(await statusOf("GET", "/v1/auth/me", undefined, erik.token)).toBe(401);
  await shot(page, info, "people-deactivated");

  await row.getByRole("button", { name: "Reactivate Erik Leaving" }).click();
  await expect(row).toContainText("Active");
  expect((await users(biz)).find((u) => u.id === erik.user.id)?.deactivated_at ?? null).toBeNull();
  expect(await statusOf("POST", "/v1/auth/login", { email: erik.email, password: erik.password })).toBe(200);
});

test("deactivating someone can put their conversations back in the queue", async ({ page, biz }) => {
  const erik = await biz.member("executive", "Erik", "Leaving");
  const ch = await biz.telegram();
  await biz.inbound(ch, "A question", { first: "Ann" });
  const [c] = await biz.conversations();
  await biz.api("PATCH", `/v1/conversations/${c.id}/assign`, { assigned_user_id: erik.user.id });
  await signIn(page, biz.owner, "/settings/people");

  await page.getByRole("button", { name: "Deactivate Erik Leaving" }).click();
  const dialog = page.getByRole("dialog", { name: "Deactivate Erik Leaving" });
  await expect(dialog.getByRole("status")).toHaveText("Erik Leaving has 1 open conversation.");
  await dialog.getByRole("radio", { name: /Leave them unassigned/ }).check();
  await dialog.getByRole("button", { name: "Deactivate Erik Leaving" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Erik Leaving is deactivated. 1 conversation unassigned." })).toBeVisible();
  const left = await biz.api<{ conversation: { assigned_user: unknown } }>("GET", `/v1/conversations/${c.id}`);
  expect(left.conversation.assigned_user).toBeNull();
});

test("people's availability changes on the page as they come and go", async ({ page, biz, browser }, info) => {
  const agent = await biz.member("executive", "Ada", "Live");
  await signIn(page, biz.owner, "/settings/people");
  const row = page.getByRole("row", { name: "Ada Live" });
  // The owner's own socket runs on the settings pages: the owner is online.
  await expect(page.getByRole("row", { name: /Olivia Owner/ }).getByText("online")).toBeVisible();
  await expect(row.getByText("offline")).toBeVisible();
  // Ada opens the inbox in her browser: her row turns online without a reload.
  const hers = await otherBrowser(browser, agent, info);
  await expect(row.getByText("online")).toBeVisible();
  // She sets herself away.
  await biz.api("PUT", "/v1/auth/me/availability", { availability: "away" }, agent.token);
  await expect(row.getByText("away")).toBeVisible();
  await hers.context().close();
});
