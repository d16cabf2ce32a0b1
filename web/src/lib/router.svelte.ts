// URLs for every view: /inbox?<filters> is the list, /inbox/c/<id>?<filters> a conversation
// with the list as it was; /reports?<range> the reports; /settings/<page>[/<id>] the
// administration. The back button, reloads and shared links all land on the same view.

/** The app's areas, by the first part of the path. */
export type Area = "inbox" | "reports" | "settings";

/** The pages of links and forms for the signed-out: create a business, accept an invitation, reset a password. */
export type PublicPage = "setup" | "signup" | "accept" | "reset-password";
const publicPages: PublicPage[] = ["setup", "signup", "accept", "reset-password"];

/** The settings' pages, by the part after /settings/. */
export type SettingsPage = "account" | "people" | "teams" | "channels" | "business" | "audit-log";

class Router {
  path = $state(location.pathname);
  search = $state(location.search);
  query = $derived(new URLSearchParams(this.search));
  /** The open conversation's id, if any. */
  conversationId = $derived(/^\/inbox\/c\/([0-9a-f-]{36})$/.exec(this.path)?.[1] ?? null);
  area = $derived<Area>(this.path.startsWith("/reports") ? "reports" : this.path.startsWith("/settings") ? "settings" : "inbox");
  /** The settings page and what follows it (/settings/channels/<id> is "channels", "<id>"). */
  settings = $derived(this.path.split("/").slice(2) as [SettingsPage?, ...string[]]);

  /** The signed-out page at this path, if it is one. */
  publicPage = $derived(publicPages.find((p) => this.path === "/" + p) ?? null);

  constructor() {
    addEventListener("popstate", () => this.sync());
    if (!this.publicPage && !/^\/(inbox|reports|settings)(\/|$)/.test(this.path)) this.go("/inbox" + location.search, true);
  }

  private sync() {
    this.path = location.pathname;
    this.search = location.search;
  }

  go(url: string, replace = false) {
    if (url === location.pathname + location.search) return;
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    this.sync();
  }

  /** Opens a conversation, keeping the list's filters. */
  open(id: string | null) {
    this.go((id ? `/inbox/c/${id}` : "/inbox") + this.search);
  }

  /** Changes list filters (an empty value removes one), keeping the open conversation. */
  setQuery(changes: Record<string, string | null | undefined>) {
    const q = new URLSearchParams(this.search);
    for (const [k, v] of Object.entries(changes)) {
      if (v) q.set(k, v);
      else q.delete(k);
    }
    const s = q.toString();
    this.go(this.path + (s ? "?" + s : ""), true);
  }
}

export const router = new Router();

/** Follows an in-app link without reloading the page; a modified click still opens a new tab. */
export function follow(ev: MouseEvent) {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.currentTarget as HTMLAnchorElement;
  ev.preventDefault();
  router.go(a.pathname + a.search);
}
