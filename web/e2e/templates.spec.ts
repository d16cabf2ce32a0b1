// A WhatsApp channel's message templates on its settings page: synced from the business
// account, listed with their status, and previewed with parameters as the customer reads them.
import { randomUUID } from "node:crypto";
import { whatsappChannel } from "./channels-fixtures";
import { expect, shot, signIn, test } from "./fixtures";

test("a WhatsApp channel's templates are synced, listed and previewed with parameters", async ({ page, biz }, info) => {
  const ch = await whatsappChannel(biz, "Bookings", "wabarich" + randomUUID().slice(0, 8));
  await signIn(page, biz.owner, `/settings/channels/${ch.id}`);
  const section = page.getByRole("region", { name: "Message templates" });
  await expect(section.getByText("No templates yet.")).toBeVisible();
  await section.getByRole("button", { name: "Sync from WhatsApp" }).click();
  // Meta's account has four; the pending and the rejected one are not kept.
  await expect(section.getByRole("status")).toHaveText("Synced: 2 approved templates.");
  const rows = section.getByRole("table").getByRole("row");
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(1).getByRole("cell")).toHaveText(["appointment_reminder", "de", "UTILITY", "APPROVED", "Preview"]);
  await expect(rows.nth(2).getByRole("cell")).toHaveText(["order_update", "en_US", "UTILITY", "APPROVED", "Preview"]);
  const stored = (await biz.api<{ templates: { name: string; status: string }[] }>("GET", `/v1/channels/${ch.id}/templates`)).templates;
  expect(stored.map((t) => [t.name, t.status])).toEqual([["appointment_reminder", "APPROVED"], ["order_update", "APPROVED"]]);

  await section.getByRole("button", { name: "Preview appointment_reminder (de)" }).click();
  const box = page.getByRole("region", { name: "Preview of appointment_reminder" });
  const preview = box.getByRole("group", { name: "Preview" });
  // Unfilled parameters show as their placeholders.
  await expect(preview).toContainText("Reminder for {{1}}");
  await expect(preview).toContainText("Your appointment is on {{1}} at {{2}}.");
  await box.getByLabel("Header {{1}}").fill("Maria");
  await box.getByLabel("Body {{1}}").fill("May 3");
  await box.getByLabel("Body {{2}}").fill("10:00");
  await box.getByLabel("Button “Manage booking” link end").fill("B-77");
  await expect(preview).toContainText("Reminder for Maria");
  await expect(preview).toContainText("Your appointment is on May 3 at 10:00.");
  await expect(preview).toContainText("Reply STOP to opt out");
  await expect(preview.getByRole("list", { name: "Buttons" }).getByRole("listitem")).toHaveText(["Manage booking → https://shop.example/b/B-77", "Cancel"]);
  await preview.scrollIntoViewIfNeeded();
  await shot(page, info, "channels-templates");

  // Another template: its own parameters, none of the first's values.
  await section.getByRole("button", { name: "Preview order_update (en_US)" }).click();
  const other = page.getByRole("region", { name: "Preview of order_update" });
  await expect(other.getByLabel("Header {{1}}")).toHaveCount(0);
  await other.getByLabel("Body {{1}}").fill("Xavier");
  await expect(other.getByRole("group", { name: "Preview" })).toHaveText("Hi Xavier, your order {{2}} has shipped.");
});

test("templates are not offered on other kinds of channel", async ({ page, biz }) => {
  const ch = await biz.telegram();
  await signIn(page, biz.owner, `/settings/channels/${ch.id}`);
  await expect(page.getByRole("heading", { name: "Support bot" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Message templates" })).toHaveCount(0);
});
