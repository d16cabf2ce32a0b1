// The business's settings (admins), its export with progress and its deletion (super admin),
// and who is shown the page (issue 21, Administration).
import { readFileSync } from "node:fs";
import { expect, shot, signIn, test } from "./fixtures";

test.describe.configure({ timeout: 90_000 });

type Biz = { id: string; name: string; time_zone: string; default_template_language: string };

test("an admin changes the business's name, time zone and template language", async ({ page, biz }, info) => {
  const admin = await biz.member("admin");
  await signIn(page, admin, "/settings/business");
  const form = page.getByRole("form", { name: "Business settings" });
  await expect(form.getByLabel("Name")).toHaveValue("E2E Shop");
  await shot(page, info, "business-settings");

  // A name of spaces passes the browser and is refused by the server, by its field.
  await form.getByLabel("Name").fill("   ");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.locator("#err-name")).toBeVisible();
  await expect(form.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");
  expect((await biz.api<{ business: Biz }>("GET", "/v1/business")).business.name).toBe("E2E Shop");

  await form.getByLabel("Name").fill("Corner Bakery");
  await form.getByLabel("Time zone").selectOption("Europe/Berlin");
  await expect(form.getByText("The statistics and reports count days in this time zone.")).toBeVisible();
  await form.getByLabel("Default WhatsApp template language").fill("pt_BR");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved.");
  await expect(form.locator("#err-name")).toHaveCount(0);
  const b = (await biz.api<{ business: Biz }>("GET", "/v1/business")).business;
  expect(b).toMatchObject({ name: "Corner Bakery", time_zone: "Europe/Berlin", default_template_language: "pt_BR" });
  await shot(page, info, "business-saved");

  // An admin is not offered the export or the deletion.
  await expect(page.getByRole("button", { name: "Export business data" })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Delete the business" })).toHaveCount(0);
});

test("a super admin exports the business with its progress and gets the file", async ({ page, biz }, info) => {
  const ch = await biz.telegram();
  for (let i = 0; i < 3; i++) await biz.inbound(ch, `Order question EXPORT-${i}`);
  const conversations = await biz.conversations();
  await signIn(page, biz.owner, "/settings/business");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export business data" }).click();
  const file = await download;
  const progress = page.getByRole("progressbar", { name: "Export progress" });
  await expect(progress).toBeVisible();
  await expect(progress).toHaveAttribute("value", "100");
  await expect(page.getByText(/^100% · /)).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: /Exported \d+ records/ })).toBeVisible();
  await shot(page, info, "business-export");

  const lines = readFileSync((await file.path())!, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
  expect(lines[0].type).toBe("manifest");
  const manifest = lines[0].data as { total: number; counts: Record<string, number>; business_id: string };
  const id = (await biz.api<{ business: Biz }>("GET", "/v1/business")).business.id;
  expect(manifest.business_id).toBe(id);
  expect(manifest.total).toBe(lines.length - 1);
  const of = (type: string) => lines.filter((l) => l.type === type);
  expect(of("business").map((l) => l.data.id)).toEqual([id]);
  expect(of("conversation").map((l) => l.data.id).sort()).toEqual(conversations.map((c) => c.id).sort());
  expect(of("message").map((l) => l.data.content)).toEqual(expect.arrayContaining(["Order question EXPORT-0", "Order question EXPORT-2"]));
  expect(manifest.counts.message).toBe(of("message").length);
  await expect(page.getByText(`${manifest.total} of ${manifest.total} records`)).toBeVisible();
});

test("a super admin deletes the business by typing its name and is signed out", async ({ page, biz }, info) => {
  await signIn(page, biz.owner, "/settings/business");
  const remove = page.getByRole("button", { name: "Delete the business" });
  await expect(remove).toBeDisabled();
  const confirm = page.getByLabel("Type the business's name, E2E Shop, to confirm");
  await confirm.fill("E2E Sho");
  await expect(remove).toBeDisabled();
  await confirm.fill("E2E Shop");
  await shot(page, info, "business-delete");
  await remove.click();
  await expect(page.getByRole("heading", { name: "Team Inbox" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem("teaminbox.token"))).toBeNull();
  await expect(biz.api("GET", "/v1/auth/me")).rejects.toThrow(/401/);
});

for (const role of ["executive", "viewer"] as const) {
  test(`an ${role} is shown neither the business settings nor the audit log`, async ({ page, biz }) => {
    const who = await biz.member(role);
    for (const path of ["/settings/business", "/settings/audit-log"]) {
      await signIn(page, who, path);
      await expect(page).toHaveURL(/\/settings\/account$/);
      const pages = page.getByRole("navigation", { name: "Settings" });
      await expect(pages.getByRole("link", { name: "Business" })).toHaveCount(0);
      await expect(pages.getByRole("link", { name: "Audit log" })).toHaveCount(0);
      await expect(page.getByRole("form", { name: "Business settings" })).toHaveCount(0);
    }
  });
}
