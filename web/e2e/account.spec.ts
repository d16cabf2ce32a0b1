// "Your account", which every role has: availability, password, two-factor login, API keys
// and signing out everywhere, each checked against what the server then holds.
import { rawCall, signedOutPage, totp } from "./auth-fixtures";
import { expect, shot, signIn, test } from "./fixtures";

const inbox = (page: import("@playwright/test").Page) => page.getByRole("navigation", { name: "Conversations" });

test("two-factor login: set up with the QR's secret, sign in with a code or a recovery code once, turn off", async ({ page, biz, browser }, info) => {
  test.setTimeout(150_000); // signs in three times, each a password hash and more
  await signIn(page, biz.owner, "/settings/account");
  const section = page.getByRole("region", { name: "Two-factor login" });
  await expect(section).toContainText("Two-factor login is off");
  await section.getByRole("button", { name: "Set up two-factor login" }).click();
  await expect(section.getByRole("img", { name: /QR code/ })).toBeVisible();
  const secret = (await section.locator("code[data-secret]").getAttribute("data-secret"))!;
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await expect(section.getByRole("link", { name: /authenticator app/ })).toHaveAttribute("href", /^otpauth:\/\/totp\//);
  await section.getByLabel("Code from the app").fill("000000" === totp(secret) ? "111111" : "000000");
  await section.getByRole("button", { name: "Turn two-factor login on" }).click();
  await expect(section.getByRole("alert")).toBeVisible();
  await section.getByLabel("Code from the app").fill(totp(secret));
  await section.scrollIntoViewIfNeeded();
  await shot(page, info, "account-2fa-setup");
  await section.getByRole("button", { name: "Turn two-factor login on" }).click();
  const listed = section.getByRole("region", { name: "Recovery codes" }).getByRole("listitem");
  await expect(listed).toHaveCount(10);
  const codes = await listed.allTextContents();
  await shot(page, info, "account-2fa-codes");
  expect(await biz.api("GET", "/v1/auth/2fa")).toMatchObject({ enabled: true, recovery_codes_left: 10 });
  await section.getByRole("button", { name: "I have kept them" }).click();
  await expect(section).toContainText("Two-factor login is on. 10 recovery codes left.");

  // One signed-out browser signs in three times, each from the login form.
  const other = await signedOutPage(browser, info);
  const login = async (second: { code?: string; recovery?: string }) => {
    if (other.url() !== "about:blank") await other.evaluate(() => localStorage.clear());
    await other.goto("/inbox");
    await other.getByLabel("Email").fill(biz.owner.email);
    await other.getByLabel("Password").fill(biz.owner.password);
    await other.getByRole("button", { name: "Sign in" }).click();
    if (second.recovery) {
      await other.getByRole("button", { name: "Use a recovery code instead" }).click();
      await other.getByLabel("Recovery code").fill(second.recovery);
    } else {
      await other.getByLabel("Two-factor code").fill(second.code!);
    }
    await other.getByRole("button", { name: "Sign in" }).click();
  };
  // The enabling code's step is used; the next one is within the window.
  await login({ code: totp(secret, 1) });
  await expect(inbox(other)).toBeVisible();
  await login({ recovery: codes[0] });
  await expect(inbox(other)).toBeVisible();
  await login({ recovery: codes[0] });
  await expect(other.getByRole("alert")).toHaveText("The code is wrong or was already used");
  await shot(other, info, "login-2fa");
  await other.getByRole("button", { name: "Start again" }).click();
  await expect(other.getByLabel("Password")).toBeVisible();

  await page.reload();
  await expect(section).toContainText("9 recovery codes left");
  await section.getByLabel("Your password").fill(biz.owner.password);
  await section.getByRole("button", { name: "Use a recovery code" }).click();
  await section.getByLabel("Recovery code").fill(codes[1]);
  await section.getByRole("button", { name: "Turn two-factor login off" }).click();
  await expect(section.getByRole("status")).toHaveText("Two-factor login is off; your password alone signs you in.");
  expect(await biz.api("GET", "/v1/auth/2fa")).toMatchObject({ enabled: false });
  expect((await rawCall("POST", "/v1/auth/login", { email: biz.owner.email, password: biz.owner.password })).data.token).toBeTruthy();
});

test("an API key is shown once, works as a bearer token, and stops when revoked", async ({ page, biz }, info) => {
  await signIn(page, biz.owner, "/settings/account");
  const section = page.getByRole("region", { name: "API keys" });
  await expect(section).toContainText("You have no API keys.");
  await section.getByLabel("Name").fill("Nightly export");
  await section.getByLabel("Role").selectOption("viewer");
  await section.getByRole("button", { name: "Create a key" }).click();
  const made = section.getByRole("region", { name: "The new key" });
  const key = (await made.locator("code").textContent())!;
  expect(key).toMatch(/^tik_[A-Za-z0-9_-]{43}$/);
  const row = section.getByRole("row", { name: /Nightly export/ });
  await expect(row).toContainText(key.slice(0, 8));
  await expect(row).toContainText("viewer");
  await expect(row).toContainText("Never");
  await section.scrollIntoViewIfNeeded();
  await shot(page, info, "account-api-key");

  const me = await rawCall("GET", "/v1/auth/me", undefined, key);
  expect(me.status).toBe(200);
  expect(me.data.user).toMatchObject({ email: biz.owner.email });
  // The key acts as a viewer: it reads but may not change settings.
  expect((await rawCall("POST", "/v1/tags", { name: "nope", color: "#123456" }, key)).status).toBe(403);

  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await made.getByRole("button", { name: "Copy the key" }).click();
  await expect(made.getByRole("status")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  await made.getByRole("button", { name: "Done" }).click();
  await expect(made).toHaveCount(0);
  await expect(section).not.toContainText(key);
  page.once("dialog", (d) => d.accept());
  await row.getByRole("button", { name: "Revoke Nightly export" }).click();
  await expect(section).toContainText("You have no API keys.");
  expect((await rawCall("GET", "/v1/auth/me", undefined, key)).status).toBe(401);
  expect((await biz.api<{ api_keys: unknown[] }>("GET", "/v1/api-keys")).api_keys).toHaveLength(0);
});

for (const role of ["executive", "viewer"] as const) {
  test(`${role === "viewer" ? "a" : "an"} ${role} sees their account, sets availability and changes their password`, async ({ page, biz }, info) => {
    const who = await biz.member(role);
    await signIn(page, who, "/settings/account");
    await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
    const you = page.getByRole("region", { name: "You" });
    await expect(you).toContainText(who.email);
    await expect(you).toContainText(role === "viewer" ? "viewer" : "agent (executive)");
    // No key above one's own role is offered.
    const roles = page.getByRole("region", { name: "API keys" }).getByLabel("Role").locator("option");
    await expect(roles).toHaveText(role === "viewer" ? ["viewer"] : ["agent (executive)", "viewer"]);

    await you.getByLabel("Availability").selectOption("away");
    await expect(you.getByRole("status")).toHaveText("Saved: you are away.");
    const users = await biz.api<{ users: { id: string; availability?: string }[] }>("GET", "/v1/users");
    expect(users.users.find((u) => u.id === who.user.id)?.availability).toBe("away");

    const pw = page.getByRole("region", { name: "Password" });
    await pw.getByLabel("Current password").fill("not my password");
    await pw.getByLabel("New password", { exact: true }).fill("my own new password");
    await pw.getByLabel("New password, again").fill("my own new password");
    await pw.getByRole("button", { name: "Change the password" }).click();
    await expect(pw.getByRole("alert")).toHaveText("Your current password is not this");
    await pw.getByLabel("Current password").fill(who.password);
    await pw.getByRole("button", { name: "Change the password" }).click();
    await expect(pw.getByRole("status")).toContainText("Your password is changed");
    await shot(page, info, `account-${role}`);
    expect((await rawCall("POST", "/v1/auth/login", { email: who.email, password: "my own new password" })).status).toBe(200);
    expect((await rawCall("POST", "/v1/auth/login", { email: who.email, password: who.password })).status).toBe(401);
    // This browser stays signed in with the new token the change answered.
    const token = (await page.evaluate(() => localStorage.getItem("teaminbox.token")))!;
    expect(token).not.toBe(who.token);
    expect((await rawCall("GET", "/v1/auth/me", undefined, token)).status).toBe(200);
    expect((await rawCall("GET", "/v1/auth/me", undefined, who.token)).status).toBe(401);
  });
}

test("sign out everywhere ends every session, this one included", async ({ page, biz }, info) => {
  await signIn(page, biz.owner, "/settings/account");
  await shot(page, info, "account");
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Create a business" })).toBeVisible();
  await shot(page, info, "login");
  expect((await rawCall("GET", "/v1/auth/me", undefined, biz.owner.token)).status).toBe(401);
});
