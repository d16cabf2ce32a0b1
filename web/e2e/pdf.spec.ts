// A conversation's PDF from the thread: every role that reads conversations downloads the PDF
// of the open conversation, and of it alone (issue 21).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, openConversation, shot, signIn, test } from "./fixtures";

test.describe.configure({ timeout: 90_000 });

function pdftotext(path: string): string | null {
  try {
    return execFileSync("pdftotext", ["-layout", path, "-"], { encoding: "utf8" });
  } catch {
    return null; // poppler-utils is not installed: the bytes are checked alone
  }
}

for (const role of ["viewer", "executive"] as const) {
  test(`a ${role} downloads the open conversation as a PDF`, async ({ page, biz }, info) => {
    const ch = await biz.telegram();
    await biz.inbound(ch, "Parcel PDF-ALPHA-42 is late", { first: "Paula", last: "Parcel" });
    await biz.inbound(ch, "Invoice PDF-BRAVO-77 please", { first: "Ivan", last: "Invoice" });
    const who = await biz.member(role);
    await signIn(page, who);
    await openConversation(page, "Paula Parcel");
    const button = page.getByRole("button", { name: "Download this conversation as a PDF" });
    await expect(button).toBeVisible();
    await shot(page, info, `pdf-button-${role}`);
    const download = page.waitForEvent("download");
    await button.click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/\.pdf$/);
    const path = (await file.path())!;
    expect(readFileSync(path).subarray(0, 5).toString()).toBe("%PDF-");
    const text = pdftotext(path);
    if (text !== null) {
      expect(text).toContain("PDF-ALPHA-42");
      expect(text).not.toContain("PDF-BRAVO-77");
    }
  });
}
