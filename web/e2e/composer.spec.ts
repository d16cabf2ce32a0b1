// The composer: replying to one message, @mentions in notes, the typing indicator it sends,
// WhatsApp's 24-hour window (countdown, then templates), closed conversations, failures that
// keep the draft, and attachments.
import type { Page, WebSocket } from "@playwright/test";
import { expect, openConversation, otherBrowser, providerRequests, shot, signIn, test, type Business } from "./fixtures";

type Msg = { id: string; content: string; is_internal: boolean; reply_to_id?: string; content_type: string; mentioned_users?: { id: string }[] };

async function conversationOf(biz: Business, firstName: string) {
  const c = (await biz.conversations()).find((x) => x.end_user.first_name === firstName);
  expect(c, `a conversation with ${firstName}`).toBeTruthy();
  return c!.id;
}

async function messagesOf(biz: Business, id: string): Promise<Msg[]> {
  return (await biz.api<{ conversation: { messages: Msg[] } }>("GET", `/v1/conversations/${id}?latest=true&limit=50`)).conversation.messages;
}

/** The frames of type a page's socket receives (or sends), from now on (reload to catch a socket already open). */
function frames(page: Page, type: string, dir: "framereceived" | "framesent" = "framereceived") {
  const seen: { type: string; data: Record<string, unknown> }[] = [];
  const keep = (f: { payload: string | Buffer }) => {
    const frame = JSON.parse(String(f.payload));
    if (frame.type === type) seen.push(frame);
  };
  page.on("websocket", (ws: WebSocket) => (dir === "framesent" ? ws.on("framesent", keep) : ws.on("framereceived", keep)));
  return seen;
}

// Long flows (two browsers, a window that must close by the server's clock) on a shared,
// busy machine: more than the default 30 s.
test.describe.configure({ timeout: 60e3 });

const thread = (page: Page) => page.getByRole("list", { name: "Messages" });

test("replies to a specific message, and the quote goes with the conversation", async ({ page, biz }, info) => {
  const ch = await biz.telegram();
  await biz.inbound(ch, "Where is order 17?", { first: "Rita", last: "Quinn" });
  await biz.inbound(ch, "Hi there", { first: "Sam" });
  await signIn(page, biz.owner);
  await openConversation(page, "Rita Quinn");
  const question = thread(page).getByRole("listitem").filter({ hasText: "Where is order 17?" });
  await question.getByRole("button", { name: "Reply to this message" }).click();
  const quote = page.getByRole("group", { name: "Replying to" });
  await expect(quote).toContainText("Replying to Rita Quinn");
  await expect(quote).toContainText("Where is order 17?");
  await expect(page.getByRole("textbox", { name: "Reply" })).toBeFocused();
  await shot(page, info, "composer-reply-to");

  // Cancelled, and gone when another conversation opens.
  await page.getByRole("button", { name: "Cancel reply" }).click();
  await expect(quote).toHaveCount(0);
  await question.getByRole("button", { name: "Reply to this message" }).click();
  await openConversation(page, "Sam");
  await expect(page.getByRole("heading", { name: /Sam/ })).toBeVisible();
  await expect(quote).toHaveCount(0);
  await openConversation(page, "Rita Quinn");
  await expect(thread(page).getByText("Where is order 17?")).toBeVisible();
  await expect(quote).toHaveCount(0);

  await question.getByRole("button", { name: "Reply to this message" }).click();
  await page.getByRole("textbox", { name: "Reply" }).fill("It left the warehouse today");
  await page.getByRole("textbox", { name: "Reply" }).press("Enter");
  await expect(thread(page).getByText("It left the warehouse today")).toBeVisible();
  await expect(quote).toHaveCount(0);
  const msgs = await messagesOf(biz, await conversationOf(biz, "Rita"));
  const asked = msgs.find((m) => m.content === "Where is order 17?")!;
  expect(msgs.find((m) => m.content === "It left the warehouse today")?.reply_to_id).toBe(asked.id);
});

test("a note's @mention autocompletes and names the people", async ({ page, biz }, info) => {
  const erik = await biz.member("executive", "Erik", "Berg");
  const eva = await biz.member("admin", "Eva", "Stone");
  const ch = await biz.telegram();
  await biz.inbound(ch, "My parcel is damaged", { first: "Tom" });
  await signIn(page, biz.owner);
  await openConversation(page, "Tom");
  await page.getByRole("radio", { name: "Internal note" }).check();
  const noteBox = page.getByRole("textbox", { name: "Internal note" });
  await noteBox.pressSequentially("Refund? @E");
  const list = page.getByRole("listbox", { name: "Mention someone" });
  await expect(list.getByRole("option")).toHaveCount(2);
  await shot(page, info, "composer-mention");
  // The arrow keys move the choice, Tab takes it.
  await noteBox.press("ArrowDown");
  const second = (await list.getByRole("option", { selected: true }).locator("span").first().textContent())!;
  await noteBox.press("Tab");
  await expect(noteBox).toHaveValue(`Refund? @${second} `);
  await expect(list).toHaveCount(0);
  // Typing narrows the list; Enter takes the choice (and does not send).
  await noteBox.pressSequentially("and @er");
  await expect(list.getByRole("option")).toHaveText([/Erik Berg/]);
  await noteBox.press("Enter");
  await expect(noteBox).toHaveValue(`Refund? @${second} and @Erik Berg `);
  await noteBox.press("Enter");
  await expect(thread(page).getByText(/Refund\?/)).toBeVisible();
  await expect(noteBox).toHaveValue("");

  const note = (await messagesOf(biz, await conversationOf(biz, "Tom"))).find((m) => m.is_internal)!;
  expect(note.mentioned_users?.map((u) => u.id).sort()).toEqual([erik.user.id, eva.user.id].sort());
});

test("typing a reply tells the other agents, a note does not", async ({ page, browser, biz }, info) => {
  const erik = await biz.member("executive", "Erik", "Berg");
  const ch = await biz.telegram();
  await biz.inbound(ch, "Anyone there?", { first: "Uma" });
  const id = await conversationOf(biz, "Uma");
  const other = await otherBrowser(browser, erik, info, `/inbox/c/${id}`);
  const seenByErik = frames(other, "typing_indicator");
  await other.reload(); // a socket that reports to this test
  await expect(thread(other).getByText("Anyone there?")).toBeVisible();

  const sent = frames(page, "typing", "framesent");
  await signIn(page, biz.owner, `/inbox/c/${id}`);
  await page.getByRole("radio", { name: "Internal note" }).check();
  await page.getByRole("textbox", { name: "Internal note" }).pressSequentially("just a note", { delay: 20 });
  await page.waitForTimeout(300);
  expect(sent).toHaveLength(0); // a note is not announced
  await page.getByRole("radio", { name: "Reply" }).check();
  const reply = page.getByRole("textbox", { name: "Reply" });
  const started = Date.now();
  await reply.fill("");
  await reply.pressSequentially("Yes, I am here", { delay: 50 });
  const took = Date.now() - started;
  await expect.poll(() => seenByErik.find((f) => f.data.conversation_id === id && f.data.is_typing === true)?.data.user).toMatchObject({ id: biz.owner.user.id });
  // 15 keystrokes, but at most one typing request per 3 s.
  expect(sent.length).toBeGreaterThanOrEqual(1);
  expect(sent.length).toBeLessThanOrEqual(1 + Math.floor(took / 3000));
  await reply.press("Enter");
  await expect.poll(() => seenByErik.some((f) => f.data.conversation_id === id && f.data.is_typing === false)).toBe(true);
});

/** A WhatsApp customer whose last message was sent `ago` ms before now. */
async function whatsappCustomer(biz: Business, name: string, ago: number, sync = false) {
  const ch = await biz.whatsapp();
  if (sync) await biz.api("POST", `/v1/channels/${ch.id}/templates/sync`);
  const waId = await biz.whatsappInbound(ch, "Hello from WhatsApp", { name, at: new Date(Date.now() - ago) });
  return { ch, waId };
}

const hour = 3600e3;

test("an open WhatsApp window counts down each minute, then offers templates", async ({ page, biz }, info) => {
  // The server opens the window at the customer's send time (the webhook's timestamp).
  await whatsappCustomer(biz, "Wendy Walker", 24 * hour - (3 * hour + 12 * 60e3 + 30e3));
  await page.clock.install();
  await signIn(page, biz.owner);
  await openConversation(page, "Wendy Walker");
  await expect(page.getByText("Window closes in 3h 12m")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Reply" })).toBeVisible();
  await shot(page, info, "composer-window-open");
  await page.clock.fastForward(60e3);
  await expect(page.getByText("Window closes in 3h 11m")).toBeVisible();
  await page.clock.fastForward(3 * hour + 12 * 60e3);
  await expect(page.getByRole("form", { name: "Template message" })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Reply" })).toHaveCount(0);
});

test("after 24 hours a template is picked, filled in, previewed and sent", async ({ page, biz }, info) => {
  const { waId } = await whatsappCustomer(biz, "Xavier Young", 25 * hour, true);
  await signIn(page, biz.owner);
  await openConversation(page, "Xavier Young");
  const picker = page.getByRole("form", { name: "Template message" });
  await expect(picker).toContainText("The 24-hour window is closed");
  await expect(page.getByRole("textbox", { name: "Reply" })).toHaveCount(0);
  await expect(page.getByText(/Window closes/)).toHaveCount(0);
  await expect(picker.getByRole("combobox", { name: "Template" })).toHaveValue("0");
  await expect(picker.getByRole("combobox", { name: "Template" }).locator("option")).toHaveText(["order_update · en_US"]);
  const preview = picker.getByRole("group", { name: "Preview" });
  await expect(preview).toHaveText("Hi {{1}}, your order {{2}} has shipped.");
  const send = picker.getByRole("button", { name: "Send template" });
  await expect(send).toBeDisabled();
  await picker.getByLabel("Body {{1}}").fill("Xavier");
  await picker.getByLabel("Body {{2}}").fill("A-1001");
  await expect(preview).toHaveText("Hi Xavier, your order A-1001 has shipped.");
  await shot(page, info, "composer-template");
  await send.click();
  await expect(thread(page).getByText("Hi Xavier, your order A-1001 has shipped.")).toBeVisible();

  await expect
    .poll(async () => {
      const r = (await providerRequests()).find((x) => x.path.endsWith("/messages") && x.body.includes(waId));
      return r && JSON.parse(r.body);
    })
    .toMatchObject({
      to: waId,
      type: "template",
      template: { name: "order_update", language: { code: "en_US" }, components: [{ type: "body", parameters: [{ type: "text", text: "Xavier" }, { type: "text", text: "A-1001" }] }] },
    });
  // Notes need no window.
  await page.getByRole("radio", { name: "Internal note" }).check();
  await expect(page.getByRole("textbox", { name: "Internal note" })).toBeVisible();
});

test("a reply the server refuses for a closed window turns into the template picker, keeping the draft", async ({ page, biz }) => {
  // The window closes 20 s from now by the server's clock; the page's clock stays before that.
  await whatsappCustomer(biz, "Yara Zell", 24 * hour - 20e3);
  await page.clock.setFixedTime(new Date());
  await signIn(page, biz.owner);
  await openConversation(page, "Yara Zell");
  const reply = page.getByRole("textbox", { name: "Reply" });
  await reply.fill("Still there?");
  const id = await conversationOf(biz, "Yara");
  await expect
    .poll(async () => (await biz.api<{ conversation: { reply_window: { open: boolean } } }>("GET", `/v1/conversations/${id}?limit=1`)).conversation.reply_window.open, { timeout: 30e3 })
    .toBe(false);
  await reply.press("Enter");
  await expect(page.getByRole("form", { name: "Template message" })).toBeVisible();
  await expect(reply).toHaveCount(0);
  expect((await messagesOf(biz, id)).map((m) => m.content)).not.toContain("Still there?");
  // The draft waits in the box (here as a note) for when the customer writes again.
  await page.getByRole("radio", { name: "Internal note" }).check();
  await expect(page.getByRole("textbox", { name: "Internal note" })).toHaveValue("Still there?");
});

test("a closed conversation says so, takes notes, and reopens", async ({ page, biz }, info) => {
  const ch = await biz.telegram();
  await biz.inbound(ch, "Thanks, all good", { first: "Zoe" });
  const id = await conversationOf(biz, "Zoe");
  await signIn(page, biz.owner);
  await openConversation(page, "Zoe");
  const reply = page.getByRole("textbox", { name: "Reply" });
  await reply.fill("Glad to hear");
  // Closed by someone else meanwhile: the composer changes at once, the draft stays.
  await biz.api("PATCH", `/v1/conversations/${id}/status`, { status: "closed" });
  await expect(page.getByText("This conversation is closed.")).toBeVisible();
  await expect(reply).toHaveCount(0);
  await shot(page, info, "composer-closed");
  await page.getByRole("radio", { name: "Internal note" }).check();
  await page.getByRole("textbox", { name: "Internal note" }).fill("Closed after the customer confirmed");
  await page.getByRole("textbox", { name: "Internal note" }).press("Enter");
  await expect(thread(page).getByText("Closed after the customer confirmed")).toBeVisible();
  await page.getByRole("radio", { name: "Reply" }).check();
  await page.getByRole("button", { name: "Reopen" }).click();
  await expect(reply).toBeVisible();
  await reply.fill("Glad to hear");
  await reply.press("Enter");
  await expect(thread(page).getByText("Glad to hear")).toBeVisible();
  expect((await biz.api<{ conversation: { status: string } }>("GET", `/v1/conversations/${id}?limit=1`)).conversation.status).toBe("active");
});

test("a failed send shows why and keeps the draft", async ({ page, biz }) => {
  const ch = await biz.telegram();
  await biz.inbound(ch, "Tell me everything", { first: "Ada" });
  await signIn(page, biz.owner);
  await openConversation(page, "Ada");
  const reply = page.getByRole("textbox", { name: "Reply" });
  const long = "x".repeat(4100);
  await reply.fill(long);
  await reply.press("Enter");
  await expect(page.getByRole("alert")).toContainText("at most 4096 characters");
  await expect(reply).toHaveValue(long);
});

// Attachments: the provider's limits in the browser, then POST /v1/media and the send.
const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==", "base64");

test("a file too large for the provider is refused before it is uploaded", async ({ page, biz }) => {
  await whatsappCustomer(biz, "Bea Brown", hour);
  const uploads: string[] = [];
  page.on("request", (r) => r.url().includes("/v1/media") && uploads.push(r.url()));
  await signIn(page, biz.owner);
  await openConversation(page, "Bea Brown");
  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach" }).click();
  await (await chooser).setFiles({ name: "big.png", mimeType: "image/png", buffer: Buffer.concat([png, Buffer.alloc(6 * 1024 * 1024)]) });
  await expect(page.getByRole("alert")).toHaveText("WhatsApp takes image files of at most 5 MB; this one is 6.0 MB.");
  await expect(page.getByRole("group", { name: "Attachment", exact: true })).toHaveCount(0);
  expect(uploads).toEqual([]);
});

test("an image is attached, previewed and sent with its caption", async ({ page, biz }, info) => {
  const ch = await biz.telegram();
  const chat = await biz.inbound(ch, "Can I see it?", { first: "Cara" });
  await signIn(page, biz.owner);
  await openConversation(page, "Cara");
  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach" }).click();
  await (await chooser).setFiles({ name: "shelf.png", mimeType: "image/png", buffer: png });
  const pending = page.getByRole("group", { name: "Attachment", exact: true });
  await expect(pending.getByRole("img", { name: "shelf.png" })).toBeVisible();
  await expect(pending).toContainText(`${png.length} B`);
  await page.getByRole("textbox", { name: "Reply" }).fill("Here it is");
  await shot(page, info, "composer-attachment");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(pending).toHaveCount(0);
  await expect(page.getByRole("textbox", { name: "Reply" })).toHaveValue("");
  await expect
    .poll(async () => (await providerRequests()).find((r) => r.path.endsWith("/sendPhoto") && r.body.includes(String(chat)))?.body ?? "")
    .toContain("Here it is");
  const sent = (await messagesOf(biz, await conversationOf(biz, "Cara"))).find((m) => m.content_type === "image");
  expect(sent?.content).toBe("Here it is");
});

test("a dropped document and a pasted image become the attachment; × removes it", async ({ page, biz }) => {
  const ch = await biz.telegram();
  await biz.inbound(ch, "Send the invoice please", { first: "Dan" });
  await signIn(page, biz.owner);
  await openConversation(page, "Dan");
  await page.getByRole("region", { name: "Composer" }).evaluate((el) => {
    const dt = new DataTransfer();
    dt.items.add(new File(["%PDF-1.4\n" + "0".repeat(2048)], "invoice.pdf", { type: "application/pdf" }));
    el.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    el.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  const pending = page.getByRole("group", { name: "Attachment", exact: true });
  await expect(pending).toContainText("invoice.pdf");
  await expect(pending).toContainText("2 KB");
  await page.getByRole("button", { name: "Remove attachment" }).click();
  await expect(pending).toHaveCount(0);
  await page.getByRole("textbox", { name: "Reply" }).evaluate((el, b64) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], "pasted.png", { type: "image/png" }));
    el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
  }, png.toString("base64"));
  await expect(pending.getByRole("img", { name: "pasted.png" })).toBeVisible();
  await expect(pending).not.toHaveAttribute("aria-busy", "true");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(pending).toHaveCount(0);
});

test("the server's refusal of a file is shown", async ({ page, biz }) => {
  await whatsappCustomer(biz, "Eli Ford", hour);
  await signIn(page, biz.owner);
  await openConversation(page, "Eli Ford");
  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach" }).click();
  // WAV is audio the client lets through; WhatsApp takes no WAV, and the server says so.
  const wav = Buffer.concat([Buffer.from("RIFF"), Buffer.from([36, 0, 0, 0]), Buffer.from("WAVEfmt "), Buffer.alloc(64)]);
  await (await chooser).setFiles({ name: "voice.wav", mimeType: "audio/wav", buffer: wav });
  await expect(page.getByRole("group", { name: "Attachment", exact: true })).not.toHaveAttribute("aria-busy", "true");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("alert")).toContainText("WhatsApp does not send audio/wave as audio");
  await expect(page.getByRole("group", { name: "Attachment", exact: true })).toContainText("voice.wav");
});
