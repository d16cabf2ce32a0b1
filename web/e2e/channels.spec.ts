// Settings → Channels: connecting a provider through its form (the provider checks the
// credentials first), the webhook URL to give it, a channel's health, credential check,
// settings, disabling and deleting; and that only admins see any of it.
import { randomUUID } from "node:crypto";
import { refuse, whatsappChannel, whatsappWebhook } from "./channels-fixtures";
import { expect, fakeURL, providerRequests, shot, signIn, test } from "./fixtures";

type ChannelRow = { id: string; kind: string; name: string; config: Record<string, string>; secrets_set: string[]; webhook_url: string | null; disabled_at: string | null };
const server = () => process.env.TEAMINBOX_E2E_URL!;

test("an admin connects a Telegram bot through the form and gets its webhook URL", async ({ page, biz }, info) => {
  await signIn(page, biz.owner, "/settings/channels");
  await expect(page.getByText("No channel yet")).toBeVisible();
  await page.getByRole("link", { name: "Connect a channel" }).click();
  await page.getByRole("radio", { name: /Telegram/ }).check();
  const form = page.getByRole("form", { name: "Telegram settings" });
  await expect(form.getByLabel("Bot token")).toHaveAttribute("type", "password");
  await expect(form.getByLabel("Bot token")).toHaveAccessibleDescription(/@BotFather/);
  await form.getByLabel("Name", { exact: true }).fill("Support bot");
  const token = "777:" + randomUUID();
  await form.getByLabel("Bot token").fill(token);
  await form.getByRole("button", { name: "Generate a webhook secret" }).click();
  await expect(form.getByRole("textbox", { name: "Webhook secret" })).not.toHaveValue("");
  await form.getByText("Advanced").click();
  await form.getByLabel("API base URL").fill(fakeURL());
  await shot(page, info, "channels-connect");
  await form.getByRole("button", { name: "Connect" }).click();

  await expect(page.getByRole("status")).toContainText("Support bot is connected");
  const { channels } = await biz.api<{ channels: ChannelRow[] }>("GET", "/v1/channels");
  expect(channels.map((c) => [c.kind, c.name, c.secrets_set, c.config.api_base_url])).toEqual([["telegram", "Support bot", ["bot_token", "webhook_secret"], fakeURL()]]);
  const url = `${server()}/webhooks/telegram/${channels[0].id}`;
  expect(channels[0].webhook_url).toBe(url);
  await expect(page.getByRole("textbox", { name: "Webhook URL" })).toHaveValue(url);
  await expect(page.getByText(/Nothing to do: the server registered this URL with Telegram/)).toBeVisible();
  // Telegram was asked about the token, then told the URL.
  const calls = (await providerRequests()).filter((r) => r.path.startsWith(`/bot${token}/`));
  expect(calls.map((r) => r.path)).toEqual([`/bot${token}/getMe`, `/bot${token}/setWebhook`]);
  expect(JSON.parse(calls[1].body).url).toBe(url);
  await shot(page, info, "channels-connected");
});

test("the provider's refusal shows next to the field it names, and nothing is saved", async ({ page, biz }, info) => {
  await signIn(page, biz.owner, "/settings/channels/new");
  await page.getByRole("radio", { name: /Telegram/ }).check();
  const form = page.getByRole("form", { name: "Telegram settings" });
  // Empty: the server names every missing setting.
  await form.getByRole("button", { name: "Connect" }).click();
  await expect(form.getByLabel("Bot token")).toHaveAccessibleDescription(/Required for a telegram channel/);
  await expect(form.getByLabel("Name", { exact: true })).toHaveAccessibleDescription(/How agents see the channel/);

  const token = "666:" + randomUUID();
  await refuse(token);
  await form.getByLabel("Name", { exact: true }).fill("Revoked bot");
  await form.getByLabel("Bot token").fill(token);
  await form.getByRole("textbox", { name: "Webhook secret" }).fill("not a secret!");
  await form.getByText("Advanced").click();
  await form.getByLabel("API base URL").fill(fakeURL());
  await form.getByRole("button", { name: "Connect" }).click();
  await expect(form.getByRole("textbox", { name: "Webhook secret" })).toHaveAccessibleDescription(/A–Z a–z 0–9 _ -|letters|characters/);
  await form.getByRole("button", { name: "Generate a webhook secret" }).click();
  await form.getByRole("button", { name: "Connect" }).click();
  await expect(form.getByLabel("Bot token")).toHaveAccessibleDescription(/Telegram rejected the bot token: Unauthorized/);
  await expect(form.getByRole("alert").filter({ hasText: "Telegram rejected the bot token: Unauthorized" })).toBeVisible();
  expect((await biz.api<{ channels: ChannelRow[] }>("GET", "/v1/channels")).channels).toEqual([]);
  await shot(page, info, "channels-refused");
});

test("a channel's page checks credentials, shows its health, edits, disables and enables it", async ({ page, biz }, info) => {
  const ch = await whatsappChannel(biz, "Sales WhatsApp");
  // A customer writes; the reply to a 4990… number fails at the fake and waits to be retried.
  await biz.whatsappInbound(ch, "Is my order ready?", { waId: "4990" + String(Date.now()).slice(-8), name: "Queued Customer" });
  const [conv] = await biz.conversations();
  await biz.api("POST", `/v1/conversations/${conv.id}/messages`, { content: "Almost there" });

  await signIn(page, biz.owner, "/settings/channels");
  const row = page.getByRole("list", { name: "Channels" }).getByRole("listitem").filter({ hasText: "Sales WhatsApp" });
  await expect(row).toContainText("Last inbound just now");
  await expect(row).toContainText("1 queued");
  await expect(row).toContainText("Last sent never");
  await shot(page, info, "channels-list");
  await row.getByRole("link", { name: "Sales WhatsApp" }).click();
  await expect(page).toHaveURL(`/settings/channels/${ch.id}`);
  await expect(page.getByRole("heading", { name: "Sales WhatsApp" })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Webhook URL" })).toHaveValue(`${server()}/webhooks/whatsapp/${ch.id}`);
  await expect(page.getByText(/paste the webhook URL above as the Callback URL, and the verify token/i)).toBeVisible();

  // Credentials: good, then refused in the provider's words.
  const checkButton = page.getByRole("button", { name: "Check credentials now" });
  await checkButton.click();
  await expect(page.getByRole("status").filter({ hasText: "WhatsApp accepted the credentials" })).toBeVisible();
  await refuse(ch.phoneNumberId);
  await checkButton.click();
  await expect(page.getByRole("alert").filter({ hasText: "WhatsApp rejected the access token: 190 Error validating access token: Session has expired" })).toBeVisible();

  // Settings: secrets are write-only, "set"; a rename keeps them.
  const form = page.getByRole("form", { name: "WhatsApp Cloud API settings" });
  await expect(form.getByLabel("Access token")).toHaveValue("");
  await expect(form.getByLabel("Access token")).toHaveAttribute("placeholder", "Leave empty to keep");
  await expect(form.locator("label", { hasText: "Access token" }).getByText("set", { exact: true })).toBeVisible();
  await expect(form.getByLabel("Phone number ID")).toHaveValue(ch.phoneNumberId);
  await form.getByLabel("Name", { exact: true }).fill("Sales line");
  await form.getByRole("button", { name: "Save changes" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved.");
  await expect(page.getByRole("heading", { name: "Sales line" })).toBeVisible();
  let stored = (await biz.api<{ channel: ChannelRow }>("GET", `/v1/channels/${ch.id}`)).channel;
  expect([stored.name, stored.secrets_set]).toEqual(["Sales line", ["access_token", "app_secret", "verify_token"]]);
  await shot(page, info, "channels-page");

  // Disabled: the webhook asks the provider to retry later and stores nothing; replies are refused.
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Disable" }).click();
  await expect(page.getByText(/Disabled since/)).toBeVisible();
  stored = (await biz.api<{ channel: ChannelRow }>("GET", `/v1/channels/${ch.id}`)).channel;
  expect(stored.disabled_at).not.toBeNull();
  const refused = await whatsappWebhook(ch, "Anyone there?");
  expect([refused.status, Number(refused.headers.get("retry-after")) > 0]).toEqual([503, true]);
  await expect(biz.api("POST", `/v1/conversations/${conv.id}/messages`, { content: "refused" })).rejects.toThrow(/409 The channel Sales line is disabled/);
  expect((await biz.conversations()).length).toBe(1);
  await page.getByText(/Disabled since/).scrollIntoViewIfNeeded();
  await shot(page, info, "channels-disabled");

  await page.getByRole("button", { name: "Enable" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Enabled" })).toBeVisible();
  await expect(page.getByText(/Disabled since/)).toHaveCount(0);
  expect((await biz.api<{ channel: ChannelRow }>("GET", `/v1/channels/${ch.id}`)).channel.disabled_at).toBeNull();
  expect((await whatsappWebhook(ch, "Anyone there?")).status).toBe(200);
  expect((await biz.conversations()).length).toBe(2);
});

test("deleting: a channel with conversations stays and says why, an unused one goes", async ({ page, biz }, info) => {
  const used = await whatsappChannel(biz, "Used line");
  await biz.whatsappInbound(used, "Hello");
  const spare = await whatsappChannel(biz, "Spare line");

  await signIn(page, biz.owner, `/settings/channels/${used.id}`);
  page.once("dialog", (d) => {
    expect(d.message()).toContain("conversations are never deleted with it");
    void d.accept();
  });
  await page.getByRole("button", { name: "Delete channel" }).click();
  await expect(page.getByRole("alert")).toContainText("has conversations, so it cannot be deleted");
  await page.getByRole("alert").scrollIntoViewIfNeeded();
  await shot(page, info, "channels-delete-refused");

  await page.goto(`/settings/channels/${spare.id}`);
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete channel" }).click();
  await expect(page).toHaveURL("/settings/channels");
  await expect(page.getByRole("list", { name: "Channels" })).toContainText("Used line");
  await expect(page.getByRole("list", { name: "Channels" })).not.toContainText("Spare line");
  const names = (await biz.api<{ channels: ChannelRow[] }>("GET", "/v1/channels")).channels.map((c) => c.name);
  expect(names).toEqual(["Used line"]);
});

for (const role of ["executive", "viewer"] as const) {
  test(`a ${role} has no channel settings`, async ({ page, biz }) => {
    const ch = await biz.telegram();
    const person = await biz.member(role);
    await signIn(page, person, `/settings/channels/${ch.id}`);
    await expect(page).toHaveURL("/settings/account");
    await expect(page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Channels" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Check credentials now" })).toHaveCount(0);
  });
}
