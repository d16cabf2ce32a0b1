// URLs for every view: /inbox?<filters> is the list, /inbox/c/<id>?<filters> a conversation
// with the list as it was. The back button, reloads and shared links all land on the same view.
class Router {
  path = $state(location.pathname);
  search = $state(location.search);
  query = $derived(new URLSearchParams(this.search));
  /** The open conversation's id, if any. */
  conversationId = $derived(/^\/inbox\/c\/([0-9a-f-]{36})$/.exec(this.path)?.[1] ?? null);

  constructor() {
    addEventListener("popstate", () => this.sync());
    if (!this.path.startsWith("/inbox")) this.go("/inbox" + location.search, true);
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
