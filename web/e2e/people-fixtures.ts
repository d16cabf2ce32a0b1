// What the People and Teams tests need beyond fixtures.ts: a request's status when a refusal
// is the point, and a one-time link's token.
import type { Page } from "@playwright/test";

/** The status the server answers method path with (no token: a public request). */
export async function statusOf(method: string, path: string, body?: unknown, token?: string): Promise<number> {
  const res = await fetch(process.env.TEAMINBOX_E2E_URL! + path, {
    method,
    headers: { ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...(token ? { Authorization: "Bearer " + token } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return res.status;
}

/** The token of a link such as .../accept?token=... */
export function tokenOf(link: string): string {
  return new URL(link).searchParams.get("token")!;
}

/** Whether an invitation link still works (its look-up answers 200). */
export async function invitationWorks(link: string): Promise<boolean> {
  return (await statusOf("GET", "/v1/invitations/accept?token=" + encodeURIComponent(tokenOf(link)))) === 200;
}

/** Accepts the next confirm() of page, keeping its message. */
export function acceptNextDialog(page: Page): { message: string } {
  const seen = { message: "" };
  page.once("dialog", (d) => {
    seen.message = d.message();
    void d.accept();
  });
  return seen;
}
