// The conversation list and the open thread, loaded over REST and kept current by the socket's
// frames. The frames carry whole conversations and messages (docs/websocket.md), so an update
// never needs another request.
import { api, unwrap, type Conversation, type Message } from "./api";
import type { paths } from "./schema";
import { live, type Frame } from "./live.svelte";
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

class OpenThread {
  id = $state<string | null>(null);
  conversation = $state<Conversation | null>(null);
  messages = $state<Message[]>([]);
  hasOlder = $state(false);
  loading = $state(false);
  error = $state("");

  async open(id: string | null) {
    if (id === this.id) return;
    this.id = id;
    this.conversation = null;
    this.messages = [];
    this.error = "";
    live.tell("view", { conversation_id: id });
    if (!id) return;
    this.loading = true;
    try {
      const data = await unwrap(api.GET("/v1/conversations/{conversationId}", { params: { path: { conversationId: id }, query: { latest: true, limit: 50 } } }));
      if (this.id !== id) return;
      const { messages, pagination, ...conversation } = data.conversation;
      this.conversation = conversation as Conversation;
      this.messages = messages;
      this.hasOlder = messages.length > 0 && (pagination as { has_more?: boolean }).has_more !== false && messages.length >= 50;
      this.markRead();
    } catch (e) {
      if (this.id === id) this.error = (e as Error).message;
    } finally {
      if (this.id === id) this.loading = false;
    }
  }

  /** Prepends the page of messages before the oldest one shown. */
  async loadOlder() {
    const id = this.id;
    if (!id || !this.hasOlder || this.loading || !this.messages.length) return;
    this.loading = true;
    try {
      const data = await unwrap(api.GET("/v1/conversations/{conversationId}", { params: { path: { conversationId: id }, query: { before: this.messages[0].id, limit: 50 } } }));
      if (this.id !== id) return;
      const older = data.conversation.messages;
      this.messages.unshift(...older);
      this.hasOlder = older.length >= 50;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.loading = false;
    }
  }

  /** Marks the contact's messages read while the conversation is open and the page is seen:
   * an open conversation does not count unread messages. */
  markRead() {
    const c = this.conversation;
    if (!c || !session.canWrite || document.visibilityState !== "visible") return;
    if (c.unread_count > 0) {
      c.unread_count = 0;
      list.patch(c.id, { unread_count: 0 });
      api.POST("/v1/conversations/{conversationId}/read", { params: { path: { conversationId: c.id } } }).catch(() => {});
    }
  }

  put(m: Message) {
    const i = this.messages.findIndex((x) => x.id === m.id);
    if (i >= 0) this.messages[i] = m;
    else this.messages.push(m);
  }

  patchMessage(id: string, change: Partial<Message>) {
    const i = this.messages.findIndex((x) => x.id === id);
    if (i >= 0) this.messages[i] = { ...this.messages[i], ...change };
  }

  patch(change: Partial<Conversation>) {
    if (this.conversation) this.conversation = { ...this.conversation, ...change };
  }
}

export const list = new ConversationList();
export const thread = new OpenThread();

const byType: Record<string, (f: Frame) => void> = {
  new_message(f) {
    const { message, conversation } = f.data as { message: Message; conversation: Conversation };
    const open = thread.id === conversation.id;
    list.upsert(open ? { ...conversation, unread_count: 0 } : conversation, true);
    if (open) {
      thread.put(message);
      thread.patch(conversation);
      if (message.sender_type === "end_user") thread.markRead();
    }
  },
  message_status(f) {
    const d = f.data;
    if (thread.id !== d.conversation_id) return;
    thread.patchMessage(d.message_id, { status: d.status, error: d.error, send_attempts: d.send_attempts });
  },
  message_reaction(f) {
    if (thread.id === f.data.conversation_id) thread.patchMessage(f.data.message_id, { reactions: f.data.reactions });
  },
  ticket_update(f) {
    const change = { status: f.data.status, updated_at: f.data.updated_at };
    list.patch(f.data.id, change);
    if (thread.id === f.data.id) thread.patch(change);
  },
  assignment_update(f) {
    const change = { assigned_user: f.data.assigned_user, assigned_team: f.data.assigned_team, updated_at: f.data.updated_at };
    list.patch(f.data.id, change);
    if (thread.id === f.data.id) thread.patch(change);
  },
  tag_update(f) {
    list.patch(f.data.conversation_id, { tags: f.data.tags });
    if (thread.id === f.data.conversation_id) thread.patch({ tags: f.data.tags });
  },
  conversation_update(f) {
    const c = f.data.conversation as Conversation;
    list.upsert(thread.id === c.id ? { ...c, unread_count: 0 } : c, f.data.reason === "created");
    if (thread.id === c.id) thread.patch(c);
  },
  reply_window(f) {
    const c = f.data.conversation as Conversation;
    list.upsert(c, false);
    if (thread.id === c.id) thread.patch(c);
  },
};

for (const [type, fn] of Object.entries(byType)) live.on(type, fn);

// After a gap the server cannot replay, reload what is shown.
live.on("reload_required", () => {
  void list.load(new URLSearchParams(location.search));
  const id = thread.id;
  thread.id = null;
  void thread.open(id);
});

// A conversation left open in a background tab is read when the tab is seen again.
document.addEventListener("visibilitychange", () => thread.markRead());
