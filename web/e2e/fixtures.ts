// What every test starts from: a business of its own (signed up through the API, so tests
// never see each other's conversations), its people, a Telegram channel on the fake Bot API,
// and customers writing in through signed webhooks.
import { test as base, expect, type Browser, type Page, type TestInfo } from "@playwright/test";
import { createHmac, randomUUID } from "node:crypto";

export type Person = { email: string; password: string; token: string; user: { id: string; first_name: string; last_name: string; role: string } };
export type Channel = { id: string; kind: string; name: string; secret: string };

const server = () => process.env.TEAMINBOX_E2E_URL!;
export const fakeURL = () => process.env.TEAMINBOX_E2E_FAKE!;

async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(server() + path, {
    method,
    headers: { ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...(token ? { Authorization: "Bearer " + token } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json().catch(() => ({}))) as { data?: T; error?: { message: string } };
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.error?.message ?? ""}`);
  return json.data as T;
}

export class Business {
  private customers = 0;
  constructor(readonly owner: Person) {}

  static async signUp(): Promise<Business> {
    const email = `owner-${randomUUID().slice(0, 8)}@e2e.test`;
    const password = "correct horse battery";
    const d = await call<{ token: string; user: Person["user"] }>("POST", "/v1/signup", { business_name: "E2E Shop", first_name: "Olivia", last_name: "Owner", email, password });
    return new Business({ email, password, token: d.token, user: d.user });
  }

  /** The business's API as the owner (or as token). */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token = this.owner.token) {
    return call<T>(method, path, body, token);
  }

  /** Invites someone with role and accepts the invitation as them. */
  async member(role: "admin" | "executive" | "viewer", firstName = role === "viewer" ? "Vera" : "Erik", lastName = "Agent"): Promise<Person> {
    const email = `${role}-${randomUUID().slice(0, 8)}@e2e.test`;
    const password = "another good password";
    const inv = await this.api<{ link: string }>("POST", "/v1/invitations", { email, role });
    const token = new URL(inv.link).searchParams.get("token")!;
    const d = await call<{ token: string; user: Person["user"] }>("POST", "/v1/invitations/accept", { token, first_name: firstName, last_name: lastName, password });
    return { email, password, token: d.token, user: d.user };
  }

  /** Connects a Telegram bot on the fake Bot API. */
  async telegram(name = "Support bot"): Promise<Channel> {
    const secret = "s" + randomUUID().replaceAll("-", "");
    const d = await this.api<{ channel: { id: string } }>("POST", "/v1/channels", {
      kind: "telegram",
      name,
      config: { bot_token: "123:" + randomUUID(), webhook_secret: secret, api_base_url: fakeURL() },
    });
    return { id: d.channel.id, kind: "telegram", name, secret };
  }

  /** A customer writes to the channel; returns the customer's chat id. */
  async inbound(ch: Channel, text: string, from?: { chatId?: number; first?: string; last?: string; photo?: boolean }): Promise<number> {
    const chatId = from?.chatId ?? 7_000_000 + ++this.customers + Math.floor(Math.random() * 1_000_000) * 10;
    const first = from?.first ?? `Customer${this.customers}`;
    const fields: Record<string, unknown> = from?.photo
      ? { photo: [{ file_id: "photo" + chatId, file_unique_id: "u" + chatId, width: 2, height: 2, file_size: 75 }], caption: text }
      : { text };
    await this.telegramInbound(ch, chatId, first, { from: { id: chatId, is_bot: false, first_name: first, last_name: from?.last ?? "Test" }, ...fields });
    return chatId;
  }

  /** The Telegram customer of chatId sends a message with fields (text, voice, document,
   * location, contact, reply_to_message, … as the Bot API names them). */
  async telegramInbound(ch: Channel, chatId: number, first: string, fields: Record<string, unknown>) {
    const message = {
      message_id: Math.floor(Math.random() * 1e9),
      from: { id: chatId, is_bot: false, first_name: first, last_name: "Test" },
      chat: { id: chatId, type: "private", first_name: first },
      date: Math.floor(Date.now() / 1000),
      ...fields,
    };
    const res = await fetch(`${server()}/webhooks/telegram/${ch.id}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": ch.secret },
      body: JSON.stringify({ update_id: Math.floor(Math.random() * 1e9), message }),
    });
    expect(res.ok, `webhook answered ${res.status}`).toBeTruthy();
  }

  /** Connects a WhatsApp number on the fake Cloud API. */
  async whatsapp(name = "WhatsApp"): Promise<Channel> {
    const secret = "app" + randomUUID().replaceAll("-", "");
    const d = await this.api<{ channel: { id: string } }>("POST", "/v1/channels", {
      kind: "whatsapp",
      name,
      config: { phone_number_id: "pn" + randomUUID().slice(0, 8), waba_id: "waba" + randomUUID().slice(0, 8), access_token: "tok", app_secret: secret, verify_token: "verify", api_base_url: fakeURL() + "/wa" },
    });
    return { id: d.channel.id, kind: "whatsapp", name, secret };
  }

  /** A WhatsApp customer writes (message is the Cloud API message object without from, id and
   * timestamp: {type: "text", text: {body}} by default); returns the customer's wa_id. */
  async whatsappInbound(ch: Channel, text: string, from?: { waId?: string; name?: string; at?: Date; message?: Record<string, unknown> }): Promise<string> {
    const waId = from?.waId ?? "4915" + String(Math.floor(Math.random() * 1e9)).padStart(9, "0");
    const at = Math.floor((from?.at ?? new Date()).getTime() / 1000);
    const message = { from: waId, id: "wamid.in" + randomUUID(), timestamp: String(at), ...(from?.message ?? { type: "text", text: { body: text } }) };
    await postWhatsApp(ch, { contacts: [{ profile: { name: from?.name ?? "WhatsApp Customer" }, wa_id: waId }], messages: [message] });
    return waId;
  }

  /** A WhatsApp delivery receipt for the message the Cloud API numbered wamid; a failed one
   * carries error as Meta sends it. */
  async whatsappStatus(ch: Channel, wamid: string, status: "sent" | "delivered" | "read" | "failed", error?: { code: number; title: string; details?: string }) {
    const st: Record<string, unknown> = { id: wamid, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: "15550100" };
    if (error) st.errors = [{ code: error.code, title: error.title, message: error.title, error_data: { details: error.details ?? "" } }];
    await postWhatsApp(ch, { statuses: [st] });
  }

  /** The conversations of the business, newest first. */
  async conversations() {
    return (await this.api<{ conversations: { id: string; end_user: { first_name: string } }[] }>("GET", "/v1/conversations?limit=100")).conversations;
  }
}

/** Posts a WhatsApp Cloud API webhook carrying value, signed with the channel's app secret. */
async function postWhatsApp(ch: Channel, value: Record<string, unknown>) {
  const body = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [{ id: "waba", changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { display_phone_number: "15550100", phone_number_id: "pn" }, ...value } }] }],
  });
  const res = await fetch(`${server()}/webhooks/whatsapp/${ch.id}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + createHmac("sha256", ch.secret).update(body).digest("hex") },
    body,
  });
  expect(res.ok, `webhook answered ${res.status}`).toBeTruthy();
}

/** Opens the app in page already signed in as p. */
export async function signIn(page: Page, p: Person, path = "/inbox") {
  await page.addInitScript((token) => localStorage.setItem("teaminbox.token", token), p.token);
  await page.goto(path);
}

/** A second browser context (another agent's browser) signed in as p. */
export async function otherBrowser(browser: Browser, p: Person, info: TestInfo, path = "/inbox") {
  const ctx = await browser.newContext({ ...info.project.use, baseURL: server() });
  const page = await ctx.newPage();
  await signIn(page, p, path);
  return page;
}

/** What the fake providers received, for assertions on what the server sent. */
export async function providerRequests(): Promise<{ method: string; path: string; contentType: string; body: string }[]> {
  return (await fetch(fakeURL() + "/_requests")).json();
}

/** Saves a screenshot named for the flow and the project (desktop or phone). */
export async function shot(page: Page, info: TestInfo, name: string) {
  await page.screenshot({ path: `test-results/screenshots/${name}-${info.project.name}.png` });
}

export const test = base.extend<{ biz: Business }>({
  // eslint-disable-next-line no-empty-pattern
  biz: async ({}, use) => use(await Business.signUp()),
});
export { expect };

/** Opens the conversation whose row names name, from the list (going back to it on a phone). */
export async function openConversation(page: Page, name: string | RegExp) {
  const back = page.getByRole("button", { name: "Back to the list" });
  if (await back.isVisible()) await back.click();
  await page.getByRole("link", { name: typeof name === "string" ? new RegExp(name) : name }).click();
}
