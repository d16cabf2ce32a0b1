// The pages of the signed-out: create a business from the setup link or by signing up, accept
// an invitation, reset a password; each lands signed in (or at the login) with what the
// server now holds checked through the API.
import { randomUUID } from "node:crypto";
import { emptyServer, rawCall, signedOutPage } from "./auth-fixtures";
import { expect, shot, test } from "./fixtures";

type Page = import("@playwright/test").Page;
const inbox = (page: Page) => page.getByRole("navigation", { name: "Conversations" });

/** Fills the form's fields, by their labels. */
async function fill(page: Page, fields: Record<string, string>) {
  for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
}

test("a new server's setup link creates its first business, once", async ({ page }, info) => {
  test.setTimeout(90_000); // a server of its own starts and stops
  const server = await emptyServer();
  try {
    // Sign-up is off there: the login page does not offer it.
    const asked = page.waitForResponse((r) => r.url() === server.url + "/signup");
    await page.goto(server.url + "/inbox");
    expect((await asked).status()).toBe(404);
    await expect(page.getByRole("link", { name: "Forgot your password?" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Create a business" })).toHaveCount(0);

    const bad = await page.goto(server.url + "/setup?token=wrong");
    expect(bad?.status()).toBe(403);
    await expect(page.getByText("This setup link is not valid")).toBeVisible();

    await page.goto(server.setupURL);
    await expect(page.getByRole("heading", { name: "Create your business" })).toBeVisible();
    await expect(page.getByText("At least 10 characters, not one character repeated")).toBeVisible();
    await expect(page.getByLabel("Time zone")).not.toHaveValue("");
    await fill(page, { "Business name": "First Co", "First name": "Fay", "Last name": "First", Email: "fay@first.example", Password: "short", "Time zone": "Europe/Berlin" });
    await shot(page, info, "setup");
    await page.getByRole("button", { name: "Create the business" }).click();
    // The weak password is refused beside its field; nothing is created.
    const password = page.getByRole("textbox", { name: "Password" });
    await expect(password).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByRole("alert").filter({ hasText: /10 characters/ })).toBeVisible();
    await shot(page, info, "setup-error");
    await password.fill("first password 2026");
    await page.getByRole("button", { name: "Create the business" }).click();
    await expect(page).toHaveURL(server.url + "/inbox");
    await expect(inbox(page)).toBeVisible();

    const login = await rawCall("POST", "/v1/auth/login", { email: "fay@first.example", password: "first password 2026" }, undefined, server.url);
    expect(login.status).toBe(200);
    const business = (await rawCall("GET", "/v1/business", undefined, login.data.token as string, server.url)).data.business as Record<string, string>;
    expect(business).toMatchObject({ name: "First Co", time_zone: "Europe/Berlin" });
    expect((login.data.user as { role: string }).role).toBe("super_admin");
    // The link worked once.
    expect((await page.goto(server.setupURL))?.status()).toBe(403);
  } finally {
    await server.stop();
  }
});

test("sign-up from the login page creates a business and signs in", async ({ page }, info) => {
  test.setTimeout(60_000); // two sign-ups, in two browsers
  await page.goto("/inbox");
  await page.getByRole("link", { name: "Create a business" }).click();
  await expect(page).toHaveURL(/\/signup$/);
  const email = `signup-${randomUUID().slice(0, 8)}@e2e.test`;
  const owner = { "First name": "Sam", "Last name": "Signer", Email: email, Password: "a fine sign-up password" };
  await fill(page, { "Business name": "Signed Up Ltd", ...owner });
  await shot(page, info, "signup");
  await page.getByRole("button", { name: "Create the business" }).click();
  await expect(page).toHaveURL(/\/inbox$/);
  await expect(inbox(page)).toBeVisible();
  const token = (await page.evaluate(() => localStorage.getItem("teaminbox.token")))!;
  const business = (await rawCall("GET", "/v1/business", undefined, token)).data.business as Record<string, string>;
  expect(business.name).toBe("Signed Up Ltd");
  const me = (await rawCall("GET", "/v1/auth/me", undefined, token)).data.user as Record<string, string>;
  expect(me).toMatchObject({ email, role: "super_admin", first_name: "Sam" });

  // The same email again is refused beside the email field.
  const again = await signedOutPage(page.context().browser()!, info);
  await again.goto("/signup");
  await fill(again, { "Business name": "Twice", ...owner });
  await again.getByRole("button", { name: "Create the business" }).click();
  await expect(again.getByRole("alert")).toContainText(/email/i);
  await expect(again).toHaveURL(/\/signup$/);
});

test("an invitation's link shows what it invites to and signs the new person in", async ({ page, biz }, info) => {
  const email = `invited-${randomUUID().slice(0, 8)}@e2e.test`;
  const inv = await biz.api<{ link: string }>("POST", "/v1/invitations", { email, role: "executive" });
  await page.goto(new URL(inv.link).pathname + new URL(inv.link).search);
  await expect(page.getByText(/You are invited to E2E Shop as agent \(executive\), with the email/)).toContainText(email);
  await fill(page, { "First name": "Ines", "Last name": "Invited", Password: "aaaaaaaaaaaa" });
  await page.getByRole("button", { name: "Join E2E Shop" }).click();
  await expect(page.getByRole("textbox", { name: "Password" })).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("Password").fill("invited and glad");
  await shot(page, info, "accept");
  await page.getByRole("button", { name: "Join E2E Shop" }).click();
  await expect(page).toHaveURL(/\/inbox$/);
  await expect(inbox(page)).toBeVisible();
  const token = (await page.evaluate(() => localStorage.getItem("teaminbox.token")))!;
  const me = (await rawCall("GET", "/v1/auth/me", undefined, token)).data.user as Record<string, string>;
  expect(me).toMatchObject({ email, role: "executive", first_name: "Ines", last_name: "Invited", business_id: (await biz.api<{ user: { business_id: string } }>("GET", "/v1/auth/me")).user.business_id });

  // The used link now explains itself, with no form.
  await page.evaluate(() => localStorage.clear());
  await page.goto(new URL(inv.link).pathname + new URL(inv.link).search);
  await expect(page.getByRole("alert")).toHaveText("This invitation was already used");
  await expect(page.getByLabel("Password")).toHaveCount(0);
});

test("a revoked or missing invitation link says so and shows no form", async ({ page, biz }, info) => {
  const inv = await biz.api<{ link: string; invitation: { id: string } }>("POST", "/v1/invitations", { email: `revoked-${randomUUID().slice(0, 8)}@e2e.test`, role: "viewer" });
  await biz.api("DELETE", `/v1/invitations/${inv.invitation.id}`);
  await page.goto(new URL(inv.link).pathname + new URL(inv.link).search);
  await expect(page.getByRole("alert")).toHaveText("This invitation was revoked");
  await expect(page.getByLabel("Password")).toHaveCount(0);
  await shot(page, info, "accept-revoked");
  await page.goto("/accept");
  await expect(page.getByRole("alert")).toContainText("needs the link of your invitation");
});

test("a reset link sets a new password; the old one stops working", async ({ page, biz }, info) => {
  const who = await biz.member("executive");
  const { link } = await biz.api<{ link: string }>("POST", `/v1/users/${who.user.id}/password-reset`);
  await page.goto(new URL(link).pathname + new URL(link).search);
  await fill(page, { "New password": "a brand new password", "New password, again": "a brand new passwort" });
  await page.getByRole("button", { name: "Set the password" }).click();
  await expect(page.getByRole("alert")).toHaveText("The two passwords differ.");
  await page.getByLabel("New password, again").fill("a brand new password");
  await shot(page, info, "reset");
  await page.getByRole("button", { name: "Set the password" }).click();
  await expect(page.getByRole("status")).toContainText("Your password is changed");
  await page.getByRole("link", { name: "Sign in" }).click();
  await fill(page, { Email: who.email, Password: "a brand new password" });
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(inbox(page)).toBeVisible();
  expect((await rawCall("POST", "/v1/auth/login", { email: who.email, password: who.password })).status).toBe(401);
  expect((await rawCall("GET", "/v1/auth/me", undefined, who.token)).status).toBe(401);

  // The link worked once.
  await page.evaluate(() => localStorage.clear());
  await page.goto(new URL(link).pathname + new URL(link).search);
  await fill(page, { "New password": "yet another password", "New password, again": "yet another password" });
  await page.getByRole("button", { name: "Set the password" }).click();
  await expect(page.getByRole("alert")).toContainText("This reset link is not valid");
});

test("asking for a reset link by email answers the same for anyone", async ({ page, biz }, info) => {
  await page.goto("/inbox");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page).toHaveURL(/\/reset-password$/);
  for (const email of [biz.owner.email, "nobody-here@e2e.test"]) {
    await page.goto("/reset-password");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send the link" }).click();
    await expect(page.getByRole("status")).toHaveText(`If ${email} has an account, a link to reset its password is on its way; it works for an hour. No mail? Ask an admin of your business for a reset link.`);
  }
  await shot(page, info, "reset-asked");
});
