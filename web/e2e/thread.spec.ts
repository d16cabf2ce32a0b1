// The thread (issue 20, workspace point 3): older pages on scrolling up without losing the
// place, day separators, delivery ticks from real receipts, media and structured messages as
// the providers send them, reactions, quoted replies, notes and system messages.
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { createHmac, randomUUID } from "node:crypto";
import { expect, fakeURL, openConversation, providerRequests, shot, signIn, test, type Business } from "./fixtures";

// Each flow drives several webhooks and reloads; the machine is shared.
test.describe.configure({ timeout: 90_000 });

type ApiMessage = { id: string; content: string; sender_type: string; status: string; provider_message_id?: string };

const messages = (page: Page) => page.getByRole("list", { name: "Messages" });
const scroller = (page: Page) => messages(page).locator("xpath=..");
/** The message text s, exactly (not a quote of it). */
const text = (page: Page, s: string) => messages(page).getByRole("paragraph").filter({ hasText: new RegExp(`^${s}$`) });
const atBottom = (page: Page) => scroller(page).evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 48);

/** The thread has no serious accessibility violation (axe-core). */
async function accessible(page: Page) {
  const r = await new AxeBuilder({ page }).include('ol[aria-label="Messages"]').analyze();
  expect(r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(", ")}`)).toEqual([]);
}

/** The business's only conversation's messages over the API. */
async function apiMessages(biz: Business): Promise<ApiMessage[]> {
  const [c] = await biz.conversations();
  return (await biz.api<{ conversation: { messages: ApiMessage[] } }>("GET", `/v1/conversations/${c.id}?latest=true&limit=200`)).conversation.messages;
}

/** Sends an agent reply over the API and waits until the fake provider took it; returns the
 * provider's id (the wamid receipts name). */
async function replyAndSend(biz: Business, content: string): Promise<string> {
  const [c] = await biz.conversations();
  const d = await biz.api<{ message: { id: string } }>("POST", `/v1/conversations/${c.id}/messages`, { content });
  let wamid = "";
  await expect.poll(async () => (wamid = (await apiMessages(biz)).find((m) => m.id === d.message.id)?.provider_message_id ?? "")).not.toBe("");
  return wamid;
}

test("older messages load on scrolling up, and the place is kept", async ({ page, biz }, info) => {
  const ch = await biz.whatsapp();
  const waId = "4915" + String(Math.floor(Math.random() * 1e9)).padStart(9, "0");
  // A second apart in the past, so they keep their order however the webhooks interleave.
  // Message 85 quotes message 1, which is not loaded at first.
  const firstId = "wamid.first" + Date.now();
  const message = (i: number) => ({ type: "text", text: { body: `Message ${i}` }, ...(i === 1 ? { id: firstId } : i === 85 ? { context: { from: waId, id: firstId } } : {}) });
  const send = (i: number) => biz.whatsappInbound(ch, "", { waId, name: "Paula Long", at: new Date(Date.now() - (100 - i) * 1000), message: message(i) });
  await send(1);
  for (let i = 2; i <= 85; i += 12) await Promise.all(Array.from({ length: Math.min(12, 86 - i) }, (_, k) => send(i + k)));
  await signIn(page, biz.owner);
  await openConversation(page, "Paula Long");

  // It opens at the newest message, with only the newest page loaded.
  await expect(text(page, "Message 85")).toBeInViewport();
  await expect(text(page, "Message 36")).toBeAttached();
  await expect(text(page, "Message 35")).toHaveCount(0);
  expect(await atBottom(page)).toBe(true);
  const newest = messages(page).getByRole("listitem").filter({ hasText: "Message 85" });
  await expect(newest.getByText("In reply to a message")).toBeVisible();

  // Scrolling to the top fetches the older page, and what was on screen stays where it was.
  const anchor = text(page, "Message 36");
  await scroller(page).evaluate((el) => (el.scrollTop = 0));
  const before = (await anchor.boundingBox())!.y;
  await expect(text(page, "Message 1")).toBeAttached();
  await expect(page.getByText("Start of the conversation")).toBeAttached();
  expect(Math.abs((await anchor.boundingBox())!.y - before)).toBeLessThan(4);
  await expect(messages(page).getByRole("paragraph").filter({ hasText: /^Message \d+$/ })).toHaveCount(85);
  // Now that it is loaded, the quote shows it.
  await expect(newest.getByRole("button", { name: "In reply to Paula Long: Message 1" })).toBeAttached();

  // Reading further up, a new message does not pull the view down: a pill says it came.
  await biz.whatsappInbound(ch, "Are you still there?", { waId, name: "Paula Long" });
  const pill = page.getByRole("button", { name: /1 new message/ });
  await expect(pill).toBeVisible();
  await expect(messages(page).getByText("Are you still there?")).not.toBeInViewport();
  await shot(page, info, "thread-new-messages-pill");
  await pill.click();
  await expect(messages(page).getByText("Are you still there?")).toBeInViewport();
  await expect(pill).toBeHidden();

  // At the bottom, the next one just shows.
  await biz.whatsappInbound(ch, "Hello?", { waId, name: "Paula Long" });
  await expect(messages(page).getByText("Hello?")).toBeInViewport();
  await expect.poll(() => atBottom(page)).toBe(true);
  await expect(page.getByRole("button", { name: /new message/ })).toHaveCount(0);
});

test("day separators split the thread by day", async ({ page, biz }, info) => {
  const ch = await biz.whatsapp();
  const waId = "4916" + String(Math.floor(Math.random() * 1e9)).padStart(9, "0");
  const days = (n: number) => new Date(Date.now() - n * 86_400_000);
  await biz.whatsappInbound(ch, "Three days ago", { waId, name: "Dan Days", at: days(3) });
  await biz.whatsappInbound(ch, "Also three days ago", { waId, name: "Dan Days", at: new Date(days(3).getTime() + 60_000) });
  await biz.whatsappInbound(ch, "Yesterday's question", { waId, name: "Dan Days", at: days(1) });
  await biz.whatsappInbound(ch, "Today's question", { waId, name: "Dan Days" });
  await signIn(page, biz.owner);
  await openConversation(page, "Dan Days");
  await expect(messages(page).getByText("Today's question")).toBeVisible();
  const long = await page.evaluate((t) => new Date(t).toLocaleDateString([], { weekday: "long", year: "numeric", month: "long", day: "numeric" }), days(3).getTime());
  await expect(messages(page).getByRole("heading")).toHaveText([long, "Yesterday", "Today"]);
  await shot(page, info, "thread-days");
});

test("delivery ticks follow the receipts, and a failure says why", async ({ page, biz }, info) => {
  const ch = await biz.whatsapp();
  await biz.whatsappInbound(ch, "Where is my order?", { name: "Rita Receipt" });
  await signIn(page, biz.owner);
  await openConversation(page, "Rita Receipt");
  const first = await replyAndSend(biz, "It left the warehouse today");
  const bubble = messages(page).getByRole("listitem").filter({ hasText: "It left the warehouse today" });
  // Who replied, and how far the reply got.
  await expect(bubble.getByText("Olivia Owner")).toBeVisible();
  await expect(bubble.getByRole("img", { name: "Sent" })).toBeVisible();
  await biz.whatsappStatus(ch, first, "delivered");
  await expect(bubble.getByRole("img", { name: "Delivered" })).toBeVisible();
  await biz.whatsappStatus(ch, first, "read");
  await expect(bubble.getByRole("img", { name: "Read" })).toBeVisible();

  const second = await replyAndSend(biz, "Tracking number: 123");
  await biz.whatsappStatus(ch, second, "failed", { code: 131026, title: "Message undeliverable", details: "Receiver is incapable of receiving this message" });
  const failed = messages(page).getByRole("listitem").filter({ hasText: "Tracking number: 123" });
  await expect(failed.getByRole("img", { name: /^Failed: 131026 Receiver is incapable of receiving this message \(1 attempt\)$/ })).toBeVisible();
  await expect(failed.getByText(/Failed: 131026 Receiver is incapable/)).toBeVisible();
  await shot(page, info, "thread-ticks");
  await accessible(page);
  await page.emulateMedia({ colorScheme: "dark" });
  await shot(page, info, "thread-ticks-dark");
  await accessible(page);
  await page.emulateMedia({ colorScheme: "light" });
  // After a reload (REST, not frames) the same.
  await page.reload();
  await expect(messages(page).getByRole("listitem").filter({ hasText: "It left the warehouse today" }).getByRole("img", { name: "Read" })).toBeVisible();
  await expect(messages(page).getByRole("listitem").filter({ hasText: "Tracking number: 123" }).getByRole("img", { name: /^Failed: 131026/ })).toBeVisible();
});

test("a reply the provider keeps refusing shows its retries", async ({ page, biz }) => {
  const ch = await biz.whatsapp();
  // The fake WhatsApp answers 503 for numbers starting 4990.
  await biz.whatsappInbound(ch, "Hello from a bad line", { name: "Otto Outage", waId: "4990" + String(Math.floor(Math.random() * 1e8)).padStart(8, "0") });
  await signIn(page, biz.owner);
  await openConversation(page, "Otto Outage");
  const [c] = await biz.conversations();
  await biz.api("POST", `/v1/conversations/${c.id}/messages`, { content: "Can you hear me?" });
  const bubble = messages(page).getByRole("listitem").filter({ hasText: "Can you hear me?" });
  await expect(bubble.getByRole("img", { name: /^Not sent yet, 1 attempt failed: .+; retrying at \d/ })).toBeVisible({ timeout: 15_000 });
  await expect(bubble.getByText(/retrying at/)).toBeVisible();
  expect((await providerRequests()).some((r) => r.body.includes("Can you hear me?"))).toBe(true);
});

test("media, places and contact cards are shown, live and after a reload", async ({ page, biz }, info) => {
  const ch = await biz.telegram();
  const chat = await biz.inbound(ch, "I have some files for you", { first: "Mia", last: "Media" });
  await signIn(page, biz.owner);
  await openConversation(page, "Mia Media");
  await expect(messages(page).getByText("I have some files for you")).toBeVisible();
  // Sent while the thread is open: these come over the socket with unsigned links.
  await biz.inbound(ch, "The broken part", { chatId: chat, first: "Mia", last: "Media", photo: true });
  await biz.telegramInbound(ch, chat, "Mia", { voice: { file_id: "voice" + chat, file_unique_id: "v" + chat, duration: 1, mime_type: "audio/ogg", file_size: 4044 } });
  await biz.telegramInbound(ch, chat, "Mia", { video: { file_id: "video" + chat, file_unique_id: "m" + chat, width: 16, height: 16, duration: 1, mime_type: "video/webm", file_name: "unboxing.webm", file_size: 966 } });
  await biz.telegramInbound(ch, chat, "Mia", { document: { file_id: "doc" + chat, file_unique_id: "d" + chat, file_name: "invoice-2041.pdf", mime_type: "application/pdf", file_size: 24576 }, caption: "My invoice" });
  await biz.telegramInbound(ch, chat, "Mia", { location: { latitude: 52.520008, longitude: 13.404954 } });
  await biz.telegramInbound(ch, chat, "Mia", { contact: { phone_number: "+4915112345678", first_name: "Jonas", last_name: "Weber" } });

  for (const phase of ["live", "reloaded"]) {
    const img = messages(page).getByRole("button", { name: "View the image full size" }).getByRole("img");
    await expect(img).toBeVisible();
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth), { message: `${phase}: the image loads` }).toBeGreaterThan(0);
    expect(await img.getAttribute("src")).toMatch(/^\/v1\/media\/.+[?&]exp=\d+.*&?sig=/);

    const voice = messages(page).getByLabel("Voice message");
    await expect(voice).toBeVisible();
    expect(await voice.evaluate((el) => el.tagName)).toBe("AUDIO");
    await expect.poll(() => voice.evaluate((el: HTMLAudioElement) => el.duration), { message: `${phase}: the voice note plays` }).toBeGreaterThan(0);

    const video = messages(page).getByLabel("Video unboxing.webm");
    await expect(video).toBeVisible();
    expect(await video.evaluate((el) => el.tagName)).toBe("VIDEO");
    await expect.poll(() => video.evaluate((el: HTMLVideoElement) => el.videoWidth), { message: `${phase}: the video plays` }).toBe(16);

    const doc = messages(page).getByRole("link", { name: "Download invoice-2041.pdf, 24 KB" });
    await expect(doc).toBeVisible();
    await expect(doc).toHaveAttribute("href", /^\/v1\/media\/.+sig=/);
    await expect(messages(page).getByText("My invoice")).toBeVisible();

    await expect(messages(page).getByRole("link", { name: /Open the map/ })).toHaveAttribute("href", "https://www.openstreetmap.org/?mlat=52.520008&mlon=13.404954#map=16/52.520008/13.404954");
    const card = messages(page).getByRole("list", { name: "Shared contacts" });
    await expect(card.getByText("Jonas Weber")).toBeVisible();
    await expect(card.getByRole("link", { name: "+4915112345678" })).toHaveAttribute("href", "tel:+4915112345678");
    if (phase === "live") {
      await shot(page, info, "thread-media");
      await accessible(page);
      await page.reload();
    }
  }

  // The image opens full size, and Esc closes it.
  await messages(page).getByRole("button", { name: "View the image full size" }).click();
  const dialog = page.getByRole("dialog", { name: "Full-size image" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("img")).toBeVisible();
  await shot(page, info, "thread-lightbox");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
});

test("reactions and quoted replies", async ({ page, biz }, info) => {
  const ch = await biz.whatsapp();
  const waId = "4917" + String(Math.floor(Math.random() * 1e9)).padStart(9, "0");
  const asked = "wamid.asked" + Date.now();
  await biz.whatsappInbound(ch, "Do you ship to Spain?", { waId, name: "Quentin Quote", message: { id: asked, type: "text", text: { body: "Do you ship to Spain?" } } });
  await signIn(page, biz.owner);
  await openConversation(page, "Quentin Quote");
  const answer = await replyAndSend(biz, "Yes, in 3 days");
  // The customer quotes their own question, and reacts to the answer.
  await biz.whatsappInbound(ch, "And to Portugal?", { waId, name: "Quentin Quote", message: { type: "text", text: { body: "And to Portugal?" }, context: { from: waId, id: asked } } });
  await biz.whatsappInbound(ch, "", { waId, name: "Quentin Quote", message: { type: "reaction", reaction: { message_id: answer, emoji: "👍" } } });

  const followUp = messages(page).getByRole("listitem").filter({ hasText: "And to Portugal?" });
  await expect(followUp.getByRole("button", { name: "In reply to Quentin Quote: Do you ship to Spain?" })).toBeVisible();
  const answered = messages(page).getByRole("listitem").filter({ hasText: "Yes, in 3 days" });
  await expect(answered.getByRole("list", { name: "Reactions" }).getByText("👍")).toBeVisible();
  await shot(page, info, "thread-reactions-quotes");
  await accessible(page);
  // The same after a reload, from the REST answer.
  await page.reload();
  await expect(messages(page).getByRole("listitem").filter({ hasText: "And to Portugal?" }).getByRole("button", { name: /In reply to Quentin Quote/ })).toBeVisible();
  await expect(messages(page).getByRole("listitem").filter({ hasText: "Yes, in 3 days" }).getByRole("list", { name: "Reactions" }).getByText("👍")).toBeVisible();
  // Each customer and agent message can be answered.
  await expect(messages(page).getByRole("button", { name: "Reply to this message" })).toHaveCount(3);
});

test("internal notes and system messages stand apart", async ({ page, biz }, info) => {
  const ch = await biz.telegram();
  await biz.inbound(ch, "My screen is blank", { first: "Nora", last: "Notes" });
  const [c] = await biz.conversations();
  await biz.api("POST", `/v1/conversations/${c.id}/notes`, { content: "Probably the cable, ask for a photo" });
  await biz.api("PATCH", `/v1/conversations/${c.id}/status`, { status: "pending" });
  await signIn(page, biz.owner);
  await openConversation(page, "Nora Notes");
  const note = messages(page).getByRole("listitem").filter({ hasText: "Probably the cable" });
  await expect(note.getByText("Internal note")).toBeVisible();
  await expect(note.getByText(/Olivia Owner/)).toBeVisible();
  // Notes are not answered to the customer, and carry no delivery ticks.
  await expect(note.getByRole("button", { name: "Reply to this message" })).toHaveCount(0);
  await expect(note.getByRole("img")).toHaveCount(0);
  const system = messages(page).getByRole("listitem").filter({ hasNotText: "Probably the cable" }).filter({ hasText: /pending/i });
  await expect(system).toBeVisible();
  // The system message is centred, the note on the team's side, in another colour.
  const list = (await messages(page).boundingBox())!;
  const sys = (await system.boundingBox())!;
  expect(Math.abs(sys.x + sys.width / 2 - (list.x + list.width / 2))).toBeLessThan(4);
  const bg = (l: typeof note) => l.locator("div").first().evaluate((el) => getComputedStyle(el).backgroundColor);
  const customer = messages(page).getByRole("listitem").filter({ hasText: "My screen is blank" });
  expect(await bg(note)).not.toBe(await bg(customer));
  await shot(page, info, "thread-note-system");
  await accessible(page);
  await page.emulateMedia({ colorScheme: "dark" });
  await shot(page, info, "thread-note-system-dark");
  await accessible(page);
});

test("a viewer gets no reply actions", async ({ page, biz }) => {
  const ch = await biz.telegram();
  await biz.inbound(ch, "Just looking", { first: "Vic", last: "Viewer" });
  const viewer = await biz.member("viewer");
  await signIn(page, viewer);
  await openConversation(page, "Vic Viewer");
  await expect(messages(page).getByText("Just looking")).toBeVisible();
  await expect(messages(page).getByRole("button", { name: "Reply to this message" })).toHaveCount(0);
});

test("a media link that stopped working is renewed once", async ({ page, biz }) => {
  const ch = await biz.telegram();
  await biz.inbound(ch, "Here it is", { first: "Rene", last: "Renew", photo: true });
  // The first load of the file is refused, as an expired link is (401).
  let refused = 0;
  await page.route("**/v1/media/**", (route) => (refused++ === 0 ? route.fulfill({ status: 401, body: "expired" }) : route.continue()));
  const renewals: string[] = [];
  page.on("request", (r) => r.url().includes("/team-inbox/api/messages/") && renewals.push(r.url()));
  await signIn(page, biz.owner);
  await openConversation(page, "Rene Renew");
  const img = messages(page).getByRole("button", { name: "View the image full size" }).getByRole("img");
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBeGreaterThan(0);
  expect(refused).toBe(2);
  expect(renewals).toHaveLength(1);
});

test("a caller's voicemail plays in the thread", async ({ page, biz }) => {
  const hex = () => randomUUID().replaceAll("-", "");
  const sid = "AC" + hex();
  const token = hex();
  const ch = await biz.api<{ channel: { id: string } }>("POST", "/v1/channels", {
    kind: "voice",
    name: "Hotline",
    config: { account_sid: sid, auth_token: token, api_base_url: fakeURL() },
  });
  // Twilio's form webhooks, signed as Twilio signs them: HMAC-SHA1 over the URL and the
  // parameters sorted by name.
  const call = async (query: string, params: Record<string, string>) => {
    const url = `${process.env.TEAMINBOX_E2E_URL}/webhooks/voice/${ch.channel.id}${query}`;
    const signed = Object.keys(params).sort().reduce((s, k) => s + k + params[k], url);
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": createHmac("sha1", token).update(signed).digest("base64") },
      body: new URLSearchParams(params),
    });
    expect(res.ok, `voice webhook answered ${res.status}`).toBeTruthy();
  };
  const callSid = "CA" + hex();
  const recordingSid = "RE" + hex();
  const caller = { AccountSid: sid, CallSid: callSid, From: "+4915133334444", To: "+15550100" };
  await call("", { ...caller, CallStatus: "ringing" });
  await call("?event=recording", {
    ...caller,
    RecordingSid: recordingSid,
    RecordingUrl: `${fakeURL()}/2010-04-01/Accounts/${sid}/Recordings/${recordingSid}`,
    RecordingStatus: "completed",
    RecordingDuration: "1",
  });
  await signIn(page, biz.owner);
  await openConversation(page, "4915133334444");
  const voicemail = messages(page).getByLabel("Voicemail");
  await expect(voicemail).toBeVisible();
  expect(await voicemail.evaluate((el) => el.tagName)).toBe("AUDIO");
  await expect.poll(() => voicemail.evaluate((el: HTMLAudioElement) => el.duration), { message: "the voicemail plays" }).toBeGreaterThan(0);
});
