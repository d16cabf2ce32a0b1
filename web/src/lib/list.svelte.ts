// The conversation list for the URL's filters, loaded page by page over REST and kept current
// by the socket's frames (wired in events.svelte.ts).
import { api, unwrap, type Conversation } from "./api";
import { router } from "./router.svelte";
import type { components, paths } from "./schema";
import { session } from "./session.svelte";

/** The list's filters as the URL holds them; names are the API's query parameters. */
export const listParams = [
  "status", "channel", "assigned_to", "assigned_team", "tag_id", "mentioned", "timeframe",
  "campaign_id", "broadcast_id", "search", "sort_by", "sort_direction",
] as const;

// The URL holds the API's own parameters (listParams); the server checks their values.
type ListQuery = paths["/v1/conversations"]["get"]["parameters"]["query"];
type Pagination = components["schemas"]["Pagination"] | components["schemas"]["SearchPagination"];

const pageSize = 100;

const timeframes: Record<string, number> = { "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };

class ConversationList {
  // Raw state: a list of 10,000 conversations is replaced, never proxied row by row.
  rows = $state.raw<Conversation[]>([]);
  total = $state(0);
  /** A search counted only the pages it read: there are more than total. */
  atLeast = $state(false);
  loading = $state(false);
  error = $state("");
  private page = $state(1);
  private pages = $state(1);
  // A search is read by cursor: the next page's, null after the last; undefined for a list
  // read by page number.
  private cursor = $state<string | null | undefined>(undefined);
  private query = new URLSearchParams();
  private generation = 0;
  private loadedAt = 0;
  private loaded: Promise<void> = Promise.resolve();

  /** Loads the first page for the URL's filters. */
  load(query: URLSearchParams): Promise<void> {
    this.loaded = this.read(query);
    return this.loaded;
  }

  /** Reads the first page again once the list is loaded, and puts it over the rows shown,
   * keeping the pages scrolled to: for a list read before the socket's first hello, whose
   * earlier events the socket never sends (a conversation that came in between). */
  async refresh() {
    await this.loaded;
    const gen = this.generation;
    if (gen === 0 || this.error) return; // never loaded: its first load reads it
    const data = await this.fetchPage({ page: 1 });
    if (gen !== this.generation || this.error) return;
    if (this.page === 1) return this.showFirst(data);
    // The later pages' cursor and counts stay; rows new since they were read are added.
    const first = new Set(data.conversations.map((c) => c.id));
    const rest = this.rows.filter((c) => !first.has(c.id));
    this.total += data.conversations.length + rest.length - this.rows.length;
    this.rows = [...data.conversations, ...rest];
    this.loadedAt = Date.now();
  }

  /** Shows data as the whole list: its first page, and its count. */
  private showFirst(data: Awaited<ReturnType<ConversationList["fetchPage"]>>) {
    this.rows = data.conversations;
    this.loadedAt = Date.now();
    this.pages = data.pagination.pages;
    this.counted(0, data.pagination);
  }

  private async read(query: URLSearchParams) {
    this.query = query;
    this.page = 1;
    const gen = ++this.generation;
    this.loading = true;
    this.error = "";
    try {
      const data = await this.fetchPage({ page: 1 });
      if (gen === this.generation) this.showFirst(data);
    } catch (e) {
      if (gen === this.generation) {
        this.error = (e as Error).message;
        this.rows = [];
        this.total = 0;
        this.atLeast = false;
        this.cursor = undefined;
      }
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  get hasMore() {
    return this.cursor === undefined ? this.page < this.pages : this.cursor !== null;
  }

  /** Takes a page's count: a search's counts the matches from that page on (after the before
   * rows already shown), and says where its next page starts. */
  private counted(before: number, p: Pagination) {
    this.cursor = "next_cursor" in p ? p.next_cursor : undefined;
    this.atLeast = "more" in p && p.more;
    this.total = (this.cursor === undefined ? 0 : before) + p.total;
  }

  /** Appends the next page (the list asks as it is scrolled near its end). */
  async more() {
    if (this.loading || !this.hasMore) return;
    const gen = this.generation;
    this.loading = true;
    this.error = "";
    try {
      const data = await this.fetchPage(this.cursor ? { cursor: this.cursor } : { page: this.page + 1 });
      if (gen !== this.generation) return;
      this.page++;
      // Rows that moved up since the first page was read come again on later pages (a
      // cursor's pages go on below it, and have none).
      const seen = new Set(this.rows.map((c) => c.id));
      const before = this.rows.length;
      this.rows = [...this.rows, ...data.conversations.filter((c) => !seen.has(c.id))];
      this.pages = data.pagination.pages;
      this.counted(before, data.pagination);
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  private fetchPage(at: { page: number } | { cursor: string }) {
    const query: Record<string, string | number> = { ...at, limit: pageSize };
    for (const k of listParams) {
      const v = this.query.get(k);
      if (v) query[k] = k === "assigned_to" && v === "me" ? (session.me?.id ?? "") : v;
    }
    return unwrap(api.GET("/v1/conversations", { params: { query: query as ListQuery } }));
  }

  /** Whether c belongs in the list as filtered. Search and mention results cannot be told
   * from a conversation alone: those lists are only updated in place. */
  private matches(c: Conversation, mentionsMe: boolean): boolean {
    const q = this.query;
    if (q.get("search") || (q.get("mentioned") && !mentionsMe)) return false;
    const user = q.get("assigned_to") === "me" ? session.me?.id : q.get("assigned_to");
    const team = q.get("assigned_team");
    const tag = q.get("tag_id");
    const since = timeframes[q.get("timeframe") ?? ""];
    return (
      (!q.get("status") || c.status === q.get("status")) &&
      (!q.get("channel") || c.channel.name === q.get("channel")) &&
      (!user || (user === "unassigned" ? !c.assigned_user : c.assigned_user?.id === user)) &&
      (!team || (team === "none" ? !c.assigned_team : c.assigned_team?.id === team)) &&
      (!tag || c.tags.includes(session.tags.find((t) => t.id === tag)?.name ?? "")) &&
      (!since || Date.parse(c.last_message_at ?? c.updated_at) >= Date.now() - since) &&
      (!q.get("campaign_id") || c.broadcast?.campaign_id === q.get("campaign_id")) &&
      (!q.get("broadcast_id") || c.broadcast?.id === q.get("broadcast_id"))
    );
  }

  /** Puts a conversation from a frame in its place: updated where it is, or moved to the top
   * when the list is sorted by latest activity. A search's results are only updated in place,
   * and so is the mentions view, unless the frame's note mentions me (mentionsMe). */
  upsert(c: Conversation, moved: boolean, mentionsMe = false) {
    const rows = this.rows;
    const i = rows.findIndex((x) => x.id === c.id);
    const inPlaceOnly = !!(this.query.get("search") || (this.query.get("mentioned") && !mentionsMe));
    const belongs = this.matches(c, mentionsMe);
    const newestFirst = (this.query.get("sort_by") ?? "last_message_at") === "last_message_at" && this.query.get("sort_direction") !== "asc";
    if (i >= 0 && !belongs && !inPlaceOnly) {
      this.rows = rows.filter((x) => x.id !== c.id);
      this.total--;
    } else if (i > 0 && moved && newestFirst) {
      this.rows = [c, ...rows.slice(0, i), ...rows.slice(i + 1)];
    } else if (i >= 0) {
      this.rows = rows.map((x, j) => (j === i ? c : x));
    } else if (belongs && newestFirst) {
      this.rows = [c, ...rows];
      // One from a page not loaded yet is counted already; one created since is not.
      if (Date.parse(c.created_at) > this.loadedAt) this.total++;
    }
  }

  /** Applies a change to the row of id, if the list has it. */
  patch(id: string, change: Partial<Conversation>) {
    const i = this.rows.findIndex((x) => x.id === id);
    if (i >= 0) this.upsert({ ...this.rows[i], ...change }, false);
  }
}

export const list = new ConversationList();

/** Opens the conversation delta rows below (1, j) or above (-1, k) the open one, or the first
 * row when none is open; asks for the next page when it reaches the end. For the keyboard. */
export function moveSelection(delta: number) {
  const rows = list.rows;
  if (!rows.length) return;
  const at = rows.findIndex((c) => c.id === router.conversationId);
  const next = at < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, at + delta));
  if (next >= rows.length - 5) void list.more();
  if (next !== at) router.open(rows[next].id);
}
