// What the signed-out pages share: the link's token, the password rules, and the server's
// refusals split into the fields they are about and a sentence for the rest.
import { ApiError, type Role } from "../../lib/api";
import { router } from "../../lib/router.svelte";
import { session } from "../../lib/session.svelte";

/** The password rules of the server (internal/auth), said before they are broken. */
export const passwordRules = "At least 10 characters, not one character repeated, and not your email.";

/** The roles as people read them. */
export const roleNames: Record<Role, string> = { super_admin: "super admin", admin: "admin", executive: "agent (executive)", viewer: "viewer" };

/** The token of the link that opened the page. */
export function linkToken(): string {
  return router.query.get("token") ?? "";
}

/** A refusal of the server: what it says about each field, and what it says in general. */
export type Refusal = { fields: Record<string, string>; message: string };

/** Splits an error into the fields it names (those in `known`) and one sentence for the rest. */
export function refusal(e: unknown, known: string[]): Refusal {
  if (!(e instanceof ApiError)) return { fields: {}, message: (e as Error).message };
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const [k, v] of Object.entries(e.details ?? {})) {
    if (known.includes(k)) fields[k] = v;
    else rest.push(v);
  }
  const message = rest.length ? rest.join(" ") : Object.keys(fields).length ? "" : e.message;
  return { fields, message };
}

/** Keeps a new login token, as the login page does, and opens the inbox. */
export async function signedIn(token: string) {
  await session.signIn(token);
  router.go("/inbox", true);
}
