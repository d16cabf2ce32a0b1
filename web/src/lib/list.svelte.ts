// The conversation list for the URL's filters, loaded page by page over REST and kept current
// by the socket's frames (wired in events.svelte.ts).
import { api, unwrap, type Conversation } from "./api";
import type { paths } from "./schema";
import { session } from "./session.svelte";

/** The list's filters as the URL holds them; names are the API's query parameters. */
export const listParams = ["status", "channel", "assigned_to", "assigned_team", "timeframe", "campaign_id", "broadcast_id", "search", "sort_by", "sort_direction"] as const;

type ListQuery = paths["/v1/conversations"]["get"]["parameters"]["query"];

const pageSize = 100;

class ConversationList {
  rows = $state<Conversation[]>([]);
  total = $state(0);
  loading = $state(false);
  error = $state("");
  private page = 1;
  private pages = 1;
  private query = new URLSearchParams();
  private generation = 0;

  /** Loads the first page for the URL's filters. */
  async load(query: URLSearchParams) {
    this.query = query;
    this.page = 1;
    const gen = ++this.generation;
    this.loading = true;
    this.error = "";
    try {
      const data = await this.fetchPage(1);
      if (gen !== this.generation) return;
      this.rows = data.conversations;
      this.total = data.pagination.total;
      this.pages = data.pagination.pages;
    } catch (e) {
      if (gen === this.generation) this.error = (e as Error).message;
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  get hasMore() {
    return this.page < this.pages;
  }

  /** Appends the next page (the list asks as it is scrolled near its end). */
  async more() {
    if (this.loading || !this.hasMore) return;
    const gen = this.generation;
    this.loading = true;
    try {
      const data = await this.fetchPage(this.page + 1);
      if (gen !== this.generation) return;
      this.page++;
      const seen = new Set(this.rows.map((c) => c.id));
      this.rows.push(...data.conversations.filter((c) => !seen.has(c.id)));
      this.pages = data.pagination.pages;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  private fetchPage(page: number) {
    const query: Record<string, string | number> = { page, limit: pageSize };
    for (const k of listParams) {
      const v = this.query.get(k);
      if (v) query[k] = k === "assigned_to" && v === "me" ? (session.me?.id ?? "") : v;
    }
    return unwrap(api.GET("/v1/conversations", { params: { query: query as ListQuery } }));
  }

  /** Whether c belongs in the list as filtered; search results are only updated in place. */
  private matches(c: Conversation): boolean {
    const q = this.query;
    if (q.get("search")) return false;
    const assignee = q.get("assigned_to") === "me" ? session.me?.id : q.get("assigned_to");
    return (
      (!q.get("status") || c.status === q.get("status")) &&
      (!q.get("channel") || c.channel.name === q.get("channel")) &&
      (!assignee || c.assigned_user?.id === assignee) &&
      (!q.get("assigned_team") || c.assigned_team?.id === q.get("assigned_team")) &&
      (!q.get("campaign_id") || c.broadcast?.campaign_id === q.get("campaign_id")) &&
      (!q.get("broadcast_id") || c.broadcast?.id === q.get("broadcast_id"))
    );
  }

  /** Puts a conversation from a frame in its place: updated where it is, or moved to the top
   * when the list is sorted by latest activity. */
  upsert(c: Conversation, moved: boolean) {
    const i = this.rows.findIndex((x) => x.id === c.id);
    const belongs = this.matches(c);
    const newestFirst = (this.query.get("sort_by") ?? "last_message_at") === "last_message_at" && this.query.get("sort_direction") !== "asc";
    if (i >= 0 && !belongs && !this.query.get("search")) {
      this.rows.splice(i, 1);
      this.total--;
    } else if (i >= 0 && moved && newestFirst && i > 0) {
      this.rows.splice(i, 1);
      this.rows.unshift(c);
    } else if (i >= 0) {
      this.rows[i] = c;
    } else if (belongs && newestFirst) {
      this.rows.unshift(c);
      this.total++;
    }
  }

  /** Applies a change to the row of id, if the list has it. */
  patch(id: string, change: Partial<Conversation>) {
    const i = this.rows.findIndex((x) => x.id === id);
    if (i >= 0) this.upsert({ ...this.rows[i], ...change }, false);
  }
}

export const list = new ConversationList();
