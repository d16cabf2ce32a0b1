// The areas of the app and the settings' pages: each role is shown the pages the server lets
// it use and no others, and a page it may not see, asked for by URL, is not rendered.
import { expect, shot, signIn, test } from "./fixtures";

const adminPages = ["Your account", "People", "Teams", "Channels", "Business", "Audit log"];

test("an owner moves between the inbox, the reports and every settings page", async ({ page, biz }, info) => {
  await signIn(page, biz.owner);
  const areas = page.getByRole("navigation", { name: "Areas" });
  await areas.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings\/account$/);
  const pages = page.getByRole("navigation", { name: "Settings" });
  await expect(pages.getByRole("link")).toHaveText(adminPages);
  await pages.getByRole("link", { name: "Teams" }).click();
  await expect(page).toHaveURL(/\/settings\/teams$/);
  await expect(pages.getByRole("link", { name: "Teams" })).toHaveAttribute("aria-current", "page");
  await shot(page, info, "settings-shell");
  await areas.getByRole("link", { name: "Reports" }).click();
  await expect(page).toHaveURL(/\/reports$/);
  await page.goBack();
  await expect(page).toHaveURL(/\/settings\/teams$/);
  await page.reload();
  await expect(pages.getByRole("link", { name: "Teams" })).toHaveAttribute("aria-current", "page");
  await areas.getByRole("link", { name: "Inbox" }).click();
  await expect(page).toHaveURL(/\/inbox$/);
  await expect(page.getByRole("navigation", { name: "Conversations" })).toBeVisible();
});

for (const role of ["executive", "viewer"] as const) {
  test(`an ${role} sees only their own account among the settings`, async ({ page, biz }) => {
    const who = await biz.member(role);
    await signIn(page, who, "/settings/people");
    // Asked for by URL, the people page gives way to the account page.
    await expect(page).toHaveURL(/\/settings\/account$/);
    await expect(page.getByRole("navigation", { name: "Settings" }).getByRole("link")).toHaveText(["Your account"]);
    await expect(page.getByRole("navigation", { name: "Areas" }).getByRole("link", { name: "Reports" })).toBeVisible();
  });
}
