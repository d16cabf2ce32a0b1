import { expect, openConversation, signIn, test } from "./fixtures";

test("a WhatsApp customer's message reaches the inbox", async ({ page, biz }) => {
  const ch = await biz.whatsapp();
  await biz.whatsappInbound(ch, "Hola, where is my parcel?", { name: "Lucia Diaz" });
  await signIn(page, biz.owner);
  await openConversation(page, "Lucia Diaz");
  await expect(page.getByRole("list", { name: "Messages" }).getByText("Hola, where is my parcel?")).toBeVisible();
});
