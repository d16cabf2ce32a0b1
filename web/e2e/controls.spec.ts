// Conversation controls (status, assignee, priority, tags), the contact panel, presence, and
// what each role is shown (issue 20, Workspace points 6, 7 and 10).
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { createHmac, randomUUID } from "node:crypto";
import { expect, fakeURL, openConversation, otherBrowser, shot, signIn, test, type Business, type Person } from "./fixtures";

// Each test signs up a business and invites people (password hashing), some open two browsers
// and one waits out the 5 s typing timeout: on a busy 2-CPU machine that takes its time.
test.describe.configure({ timeout: 90_000 });

type Conv = { id: string; status: string; priority: string; tags: string[]; assigned_user: { id: string } | null; assigned_team: { id: string; name: string } | null; end_user: { id: string } };

const conversation = (biz: Business, id: string) => biz.api<{ conversation: Conv }>("GET", `/v1/conversations/${id}?limit=1`).then((d) => d.conversation);

/** A customer writes in; returns its conversation's id. */
async function customer(biz: Business, first: string, text = "Hello, I need help") {
  const ch = await biz.telegram();
  const chatId = await biz.inbound(ch, text, { first, last: "Test" });
  const id = (await biz.conversations())[0].id;
  return { ch, chatId, id };
}

const controls = (page: Page) => page.getByRole("group", { name: "Conversation controls" });

/** Shows the contact panel: a column of its own on wide screens, a drawer on narrower ones. */
async function contactPanel(page: Page) {
  await page.getByRole("main").getByRole("heading", { level: 2 }).waitFor(); // the conversation is shown
  const toggle = page.getByRole("button", { name: "Contact", exact: true });
  if ((await toggle.isVisible()) && (await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  const panel = page.getByRole("complementary", { name: "Contact" });
  await expect(panel).toBeVisible();
  return panel;
}

/** An RCS channel (RBM) on the fake provider; push sends it a signed RBM event. */
async function rcs(biz: Business) {
  const token = "ct" + randomUUID();
  const agentId = "agent-" + randomUUID().slice(0, 8);
  const { channel } = await biz.api<{ channel: { webhook_path: string } }>("POST", "/v1/channels", {
    kind: "rcs",
    name: "RCS",
    config: { agent_id: agentId, client_token: token, access_token: "tok", api_base_url: fakeURL() + "/rcs" },
  });
  return async (event: Record<string, string>) => {
    const data = JSON.stringify({ agentId, sendTime: new Date().toISOString(), ...event });
    const res = await fetch(process.env.TEAMINBOX_E2E_URL + channel.webhook_path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Goog-Signature": createHmac("sha512", token).update(data).digest("base64") },
      body: JSON.stringify({ message: { data: Buffer.from(data).toString("base64"), messageId: randomUUID() } }),
    });
    expect(res.ok, `RCS webhook answered ${res.status}`).toBeTruthy();
  };
}

/** The serious accessibility problems axe finds in the conversation's header and the contact
 * panel (axe is slow on a busy machine: tests that call it are marked slow). */
async function axeSerious(page: Page) {
  const { violations } = await new AxeBuilder({ page }).include("main > header").include("aside").analyze();
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Announces person typing in a conversation over a socket of its own in page, as the
 * composer does (docs/websocket.md: the typing request). The socket stays open: closing it
 * would end the indicator at once. */
async function typeOverSocket(page: Page, biz: Business, person: Person, conversationId: string) {
  const info = await biz.api<{ url: string; token: string }>("GET", "/team-inbox/websocket/info/", undefined, person.token);
  await page.evaluate(
    ({ url, token, conversationId }) =>
      new Promise<void>((resolve, reject) => {
        const u = new URL(url, location.href);
        u.protocol = "ws:";
        u.host = location.host;
        u.searchParams.set("token", token);
        const ws = new WebSocket(u);
        (window as unknown as { typingSocket: WebSocket }).typingSocket = ws;
        ws.onmessage = (ev) => {
          const f = JSON.parse(ev.data as string) as { type: string; id?: string };
          if (f.type === "hello") ws.send(JSON.stringify({ type: "typing", id: "t1", data: { conversation_id: conversationId } }));
          else if (f.id === "t1") (f.type === "ack" ? resolve : reject)();
        };
        ws.onerror = () => reject(new Error("socket failed"));
      }),
    { ...info, conversationId },
  );
}

test("status and priority change, and another agent sees it live", async ({ page, biz, browser }, info) => {
  const { id } = await customer(biz, "Maria");
  const erik = await biz.member("executive", "Erik");
  await signIn(page, biz.owner);
  await openConversation(page, "Maria");
  const other = await otherBrowser(browser, erik, info, `/inbox/c/${id}`);
  const theirs = other.getByRole("combobox", { name: "Status" });
  await expect(theirs).toHaveValue("active");

  await controls(page).getByRole("combobox", { name: "Status" }).selectOption("pending");
  await expect(theirs).toHaveValue("pending");
  await expect.poll(async () => (await conversation(biz, id)).status).toBe("pending");
  // The system message says who did it, in both browsers.
  await expect(other.getByRole("list", { name: "Messages" }).getByText(/Status changed from active to pending/)).toBeVisible();

  await controls(page).getByRole("combobox", { name: "Status" }).selectOption("closed");
  await expect(theirs).toHaveValue("closed");
  // Priority has no event of its own: its system message's frame carries it.
  await controls(page).getByRole("combobox", { name: "Priority" }).selectOption("high");
  await expect(other.getByRole("combobox", { name: "Priority" })).toHaveValue("high");
  await shot(page, info, "controls-status");
  await other.context().close();
});

test("assigns to a person and a team by search, and to me", async ({ page, biz }, info) => {
  test.slow();
  const { id } = await customer(biz, "Nina");
  const erik = await biz.member("executive", "Erik", "Agent");
  const team = (await biz.api<{ team: { id: string } }>("POST", "/v1/teams", { name: "Billing" })).team;
  await signIn(page, biz.owner);
  await openConversation(page, "Nina");

  const assignee = controls(page).getByRole("button", { name: /^Assignee/ });
  await expect(assignee).toHaveAccessibleName("Assignee: Unassigned");
  await assignee.click();
  const search = page.getByRole("combobox", { name: "Search people and teams" });
  await search.fill("erik");
  await expect(page.getByRole("listbox", { name: "Assignee" }).getByRole("option")).toHaveCount(1);
  await shot(page, info, "controls-assign-search");
  expect(await axeSerious(page)).toEqual([]);
  await search.press("Enter");
  await expect(assignee).toHaveAccessibleName("Assignee: Erik Agent");
  await expect.poll(async () => (await conversation(biz, id)).assigned_user?.id).toBe(erik.user.id);

  await assignee.click();
  await search.fill("bill");
  await page.getByRole("option", { name: /Billing/ }).click();
  await expect(assignee).toHaveAccessibleName("Assignee: Erik Agent · Billing");
  await expect.poll(async () => (await conversation(biz, id)).assigned_team?.id).toBe(team.id);

  await assignee.click();
  await page.getByRole("button", { name: "Assign to me" }).click();
  await expect(assignee).toHaveAccessibleName("Assignee: Olivia Owner · Billing");
  await expect.poll(async () => (await conversation(biz, id)).assigned_user?.id).toBe(biz.owner.user.id);

  // Unassigning the person keeps the team.
  await assignee.click();
  await page.getByRole("option", { name: "Unassign person" }).click();
  await expect(assignee).toHaveAccessibleName("Assignee: Billing");
  await expect.poll(async () => (await conversation(biz, id)).assigned_user).toBeNull();
});

test("tags: add, create on the fly, remove", async ({ page, biz }, info) => {
  const { id } = await customer(biz, "Omar");
  await biz.api("POST", "/v1/tags", { name: "vip", color: "#AA3300" });
  await signIn(page, biz.owner);
  await openConversation(page, "Omar");
  const tags = controls(page).getByRole("group", { name: "Tags" });

  await tags.getByRole("button", { name: "Add tag" }).click();
  await page.getByRole("combobox", { name: "Find or create a tag" }).fill("vi");
  await page.keyboard.press("Enter");
  await expect(tags.getByRole("listitem").filter({ hasText: "vip" })).toBeVisible();

  await tags.getByRole("button", { name: "Add tag" }).click();
  await page.getByRole("combobox", { name: "Find or create a tag" }).fill("refund later");
  await page.getByRole("option", { name: "Create tag “refund later”" }).click();
  await expect(tags.getByRole("listitem").filter({ hasText: "refund later" })).toBeVisible();
  await expect.poll(async () => (await conversation(biz, id)).tags.sort()).toEqual(["refund later", "vip"]);
  const all = await biz.api<{ tags: { name: string }[] }>("GET", "/v1/tags");
  expect(all.tags.map((t) => t.name)).toContain("refund later");
  await shot(page, info, "controls-tags");
  await page.emulateMedia({ colorScheme: "dark" });
  await shot(page, info, "controls-tags-dark");

  await tags.getByRole("button", { name: "Remove tag vip" }).click();
  await expect(tags.getByRole("listitem").filter({ hasText: "vip" })).toHaveCount(0);
  await expect.poll(async () => (await conversation(biz, id)).tags).toEqual(["refund later"]);
});

test("priority changes and stays after a reload", async ({ page, biz }) => {
  const { id } = await customer(biz, "Pia");
  await signIn(page, biz.owner);
  await openConversation(page, "Pia");
  const priority = controls(page).getByRole("combobox", { name: "Priority" });
  await expect(priority).toHaveValue("medium");
  await priority.selectOption("urgent");
  await expect.poll(async () => (await conversation(biz, id)).priority).toBe("urgent");
  await expect(page.getByRole("list", { name: "Messages" }).getByText(/Priority changed from medium to urgent/)).toBeVisible();
  await page.reload();
  await expect(controls(page).getByRole("combobox", { name: "Priority" })).toHaveValue("urgent");
});

test("the contact's details are edited in the panel, with validation", async ({ page, biz }, info) => {
  test.slow();
  const { id } = await customer(biz, "Quinn");
  const contactId = (await conversation(biz, id)).end_user.id;
  await signIn(page, biz.owner);
  await openConversation(page, "Quinn");
  const panel = await contactPanel(page);
  await panel.getByRole("button", { name: "Edit contact" }).click();
  const form = panel.getByRole("form", { name: "Edit contact" });
  await form.getByLabel("Email").fill("not an address");
  await form.getByRole("button", { name: "Save contact" }).click();
  await expect(form.getByText("Email must be a valid address")).toBeVisible();
  await expect(form.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await shot(page, info, "contact-invalid");
  expect(await axeSerious(page)).toEqual([]);

  await form.getByLabel("Email").fill("quinn@example.com");
  await form.getByLabel("Phone").fill("+4915112345678");
  await form.getByLabel("Last name").fill("Quartermaine");
  await form.getByRole("button", { name: "Save contact" }).click();
  await expect(form).toHaveCount(0);
  await expect(panel.getByText("quinn@example.com")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Quinn Quartermaine" })).toBeVisible();
  const saved = (await biz.api<{ contact: { email: string; phone: string; last_name: string } }>("GET", `/v1/contacts/${contactId}`)).contact;
  expect(saved).toMatchObject({ email: "quinn@example.com", phone: "+4915112345678", last_name: "Quartermaine" });
  await shot(page, info, "contact-panel");
});

test("the panel lists the contact's channels and earlier conversations", async ({ page, biz }, info) => {
  const { ch, chatId, id: first } = await customer(biz, "Rosa", "My first question");
  await biz.api("PATCH", `/v1/conversations/${first}/status`, { status: "closed" });
  await biz.inbound(ch, "Another question", { chatId, first: "Rosa" });
  await customer(biz, "Someone else"); // never listed as Rosa's
  const second = (await biz.conversations()).find((c) => c.id !== first && c.end_user.first_name === "Rosa")!.id;
  await signIn(page, biz.owner, `/inbox/c/${second}`);
  const panel = await contactPanel(page);

  const channels = panel.getByRole("list", { name: "Channels" });
  await expect(channels.getByRole("listitem")).toHaveCount(1);
  await expect(channels).toContainText("Telegram · Support bot");
  // The identity's address (the Telegram chat id) is shown with its channel.
  const contact = (await biz.api<{ contact: { identities: { address: string }[] } }>("GET", `/v1/contacts/${(await conversation(biz, second)).end_user.id}`)).contact;
  expect(contact.identities).toHaveLength(1);
  await expect(channels).toContainText(`Telegram · Support bot · ${contact.identities[0].address}`);

  const earlier = panel.getByRole("list", { name: "Earlier conversations" });
  await expect(earlier.getByRole("link")).toHaveCount(1);
  await expect(earlier.getByRole("link")).toContainText("My first question");
  await shot(page, info, "contact-earlier");
  await earlier.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/inbox/c/${first}`));
  await expect(page.getByRole("list", { name: "Messages" }).getByText("My first question")).toBeVisible();
  // From the first conversation, the second is the earlier one's counterpart.
  await expect((await contactPanel(page)).getByRole("list", { name: "Earlier conversations" }).getByRole("link")).toContainText("Another question");
});

test("agents see who else views and types in a conversation", async ({ page, biz, browser }, info) => {
  const { id } = await customer(biz, "Sven");
  const erik = await biz.member("executive", "Erik", "Agent");
  await signIn(page, biz.owner, `/inbox/c/${id}`);
  const other = await otherBrowser(browser, erik, info, `/inbox/c/${id}`);
  await expect(page.getByText("Erik Agent is viewing")).toBeVisible();
  await expect(other.getByText("Olivia Owner is viewing")).toBeVisible();

  await typeOverSocket(other, biz, erik, id);
  await expect(page.getByText("Erik Agent is typing…")).toBeVisible();
  await shot(page, info, "presence-typing");
  // The server ends the indicator after the typing timeout (5 s).
  await expect(page.getByText("Erik Agent is typing…")).toHaveCount(0, { timeout: 15_000 });

  // Erik leaves for the list: no longer viewing.
  await other.evaluate(() => (window as unknown as { typingSocket: WebSocket }).typingSocket.close());
  const back = other.getByRole("button", { name: "Back to the list" });
  if (await back.isVisible()) await back.click();
  else await other.goto("/inbox");
  await expect(page.getByText("Erik Agent is viewing")).toHaveCount(0);
  await other.context().close();
});

test("agents see the customer typing", async ({ page, biz }, info) => {
  const push = await rcs(biz);
  const phone = "+4915112345" + String(Math.floor(Math.random() * 1000)).padStart(3, "0");
  await push({ senderPhoneNumber: phone, messageId: randomUUID(), text: "Hi over RCS" });
  await signIn(page, biz.owner);
  await openConversation(page, phone.slice(1));
  await expect(page.getByRole("list", { name: "Messages" }).getByText("Hi over RCS")).toBeVisible();
  await push({ senderPhoneNumber: phone, eventType: "IS_TYPING", eventId: randomUUID() });
  await expect(page.getByText("Customer is typing…")).toBeVisible();
  await shot(page, info, "presence-customer-typing");
  // The customer's message ends the indicator at once.
  await push({ senderPhoneNumber: phone, messageId: randomUUID(), text: "Here is my order number" });
  await expect(page.getByRole("list", { name: "Messages" }).getByText("Here is my order number")).toBeVisible();
  await expect(page.getByText("Customer is typing…")).toHaveCount(0, { timeout: 1000 });
});

test("a viewer gets no controls and no composer", async ({ page, biz }, info) => {
  await customer(biz, "Tara");
  const vera = await biz.member("viewer");
  await signIn(page, vera);
  await openConversation(page, "Tara");
  await expect(page.getByRole("heading", { name: /Tara/ })).toBeVisible();
  await expect(page.getByText(/Active · Unassigned · Medium priority/)).toBeVisible();
  await expect(controls(page)).toHaveCount(0);
  for (const name of ["Status", "Priority"]) await expect(page.getByRole("combobox", { name })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Assignee/ })).toHaveCount(0);
  await expect(page.getByRole("group", { name: "Tags" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Add tag" })).toHaveCount(0);
  await expect(page.getByRole("textbox", { name: "Reply" })).toHaveCount(0);
  const panel = await contactPanel(page);
  await expect(panel.getByRole("list", { name: "Channels" })).toContainText("Telegram");
  await expect(panel.getByRole("button", { name: "Edit contact" })).toHaveCount(0);
  await shot(page, info, "viewer");
});

test("an executive handles conversations but cannot create tags", async ({ page, biz }) => {
  await customer(biz, "Uma");
  await biz.api("POST", "/v1/tags", { name: "vip" });
  const erik = await biz.member("executive");
  await signIn(page, erik);
  await openConversation(page, "Uma");
  await controls(page).getByRole("button", { name: "Add tag" }).click();
  const find = page.getByRole("combobox", { name: "Find a tag" });
  await find.fill("brand new");
  await expect(page.getByRole("listbox", { name: "Add tag" }).getByRole("option")).toHaveCount(0);
  await find.fill("vi");
  await expect(page.getByRole("option", { name: "vip" })).toBeVisible();
  await find.press("Escape");
  await expect((await contactPanel(page)).getByRole("button", { name: "Edit contact" })).toBeVisible();
});
