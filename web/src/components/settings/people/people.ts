// What the People page shares between its parts: the roles in order of power, and what each
// role may give.
import type { Role, User } from "../../../lib/api";
import type { components } from "../../../lib/schema";

export type Team = components["schemas"]["Team"];
export type Invitation = components["schemas"]["Invitation"];
export type { Role, User };

/** Every role, most powerful first (internal/auth/roles.go). */
export const roles: Role[] = ["super_admin", "admin", "executive", "viewer"];

export const roleLabel: Record<Role, string> = { super_admin: "Super admin", admin: "Admin", executive: "Executive", viewer: "Viewer" };

/** The roles by may invite to or grant: its own and those below (the server refuses the rest). */
export function grantable(by: Role | undefined): Role[] {
  return by ? roles.slice(roles.indexOf(by)) : [];
}

/** The names of the teams user is a member of. */
export function teamsOf(teams: Team[], userId: string): string[] {
  return teams.filter((t) => t.member_ids.includes(userId)).map((t) => t.name);
}

/** "1 conversation", "2 conversations". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
