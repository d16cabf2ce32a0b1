// What each role may do, mirroring internal/auth/roles.go: a control the signed-in role lacks is
// not shown at all (the server would refuse it anyway).
import type { Role } from "./api";

export type Permission = "conversations:update" | "contacts:write" | "settings:write" | "business:admin";

const permissions: Record<Role, Permission[]> = {
  super_admin: ["conversations:update", "contacts:write", "settings:write", "business:admin"],
  admin: ["conversations:update", "contacts:write", "settings:write"],
  executive: ["conversations:update", "contacts:write"],
  viewer: [],
};

export function can(role: Role | undefined, p: Permission): boolean {
  return role ? permissions[role].includes(p) : false;
}
