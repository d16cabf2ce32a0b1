import { expect, openConversation, shot, signIn, test } from "./fixtures";

test("signs in with the form and sees the inbox", async ({ page, biz }, info) => {
  const ch = await biz.telegram();
  await biz.inbound(ch, "Hello, is my order on its way?", { first: "Maria", last: "Lopez" });
  await page.goto("/");
  await expect(page).toHaveURL(/\/inbox$/);
  await page.getByLabel("Email").fill(biz.owner.email);
  await page.getByLabel("Password").fill(biz.owner.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("link", { name: /Maria Lopez/ })).toBeVisible();
  await shot(page, info, "inbox");
});

test("a reply typed for one customer never goes to another", async ({ page, biz }) => {
  const ch = await biz.telegram();
  await biz.inbound(ch, "First customer here", { first: "Ann" });
  await biz.inbound(ch, "Second customer here", { first: "Bob" });
  await signIn(page, biz.owner);
  await openConversation(page, "Ann");
  const reply = page.getByRole("textbox", { name: "Reply" });
  await reply.fill("This is for Ann only");
  await openConversation(page, "Bob");
  await expect(page.getByRole("heading", { name: /Bob/ })).toBeVisible();
  await expect(reply).toHaveValue("");
  // Ann's draft is still hers, after a reload too.
  await openConversation(page, "Ann");
  await expect(reply).toHaveValue("This is for Ann only");
  await page.reload();
  await expect(page.getByRole("textbox", { name: "Reply" })).toHaveValue("This is for Ann only");
});

test("Enter sends and Shift+Enter makes a new line", async ({ page, biz }) => {
  const ch = await biz.telegram();
  await biz.inbound(ch, "Can you help?", { first: "Cleo" });
  await signIn(page, biz.owner);
  await openConversation(page, "Cleo");
  const reply = page.getByRole("textbox", { name: "Reply" });
  await reply.fill("Line one");
  await reply.press("Shift+Enter");
  await reply.pressSequentially("Line two");
  await expect(reply).toHaveValue("Line one\nLine two");
  await reply.press("Enter");
  await expect(page.getByRole("list", { name: "Messages" }).getByText("Line one")).toBeVisible();
  await expect(reply).toHaveValue("");
});

test("the open conversation does not count unread messages", async ({ page, biz }) => {
  const ch = await biz.telegram();
  const chat = await biz.inbound(ch, "Are you there?", { first: "Dora" });
  await signIn(page, biz.owner);
  await openConversation(page, "Dora");
  await expect(page.getByRole("list", { name: "Messages" }).getByText("Are you there?")).toBeVisible();
  await biz.inbound(ch, "Hello again", { chatId: chat, first: "Dora" });
  await expect(page.getByRole("list", { name: "Messages" }).getByText("Hello again")).toBeVisible();
  await expect(page.getByRole("link", { name: /Dora/ }).getByLabel(/unread/)).toHaveCount(0);
  // And the server agrees: the conversation is read.
  await expect.poll(async () => (await biz.api<{ conversations: { unread_count: number }[] }>("GET", "/v1/conversations")).conversations[0].unread_count).toBe(0);
});
