// The open conversation and its messages, kept current by the socket's frames (wired in
// events.svelte.ts).
import { api, unwrap, type Attachment, type Conversation, type Message } from "./api";
import { list } from "./list.svelte";
import { live } from "./live.svelte";
import { session } from "./session.svelte";

/** A message as the thread holds it: message_status frames add when a queued reply's next
 * send attempt is due, which the message itself does not carry. */
export type ThreadMessage = Message & { next_attempt_at?: string };

const pageSize = 50;

/** Whether url can be opened as it is: anything but an unsigned or (nearly) expired
 * /v1/media/ link. Socket frames carry unsigned links, REST answers links signed for 15 min. */
export function mediaLinkFresh(url: string | undefined): boolean {
  if (!url) return false;
  const u = new URL(url, location.href);
  if (u.origin !== location.origin || !u.pathname.startsWith("/v1/media/")) return true;
  return Number(u.searchParams.get("exp")) * 1000 > Date.now() + 5000;
}

class OpenThread {
  id = $state<string | null>(null);
  conversation = $state<Conversation | null>(null);
  messages = $state<ThreadMessage[]>([]);
  hasOlder = $state(false);
  loading = $state(false);
  loadingOlder = $state(false);
  error = $state("");
  private refreshing = new Map<string, Promise<void>>();
  private opening: Promise<void> = Promise.resolve();

  open(id: string | null): Promise<void> {
    this.opening = this.load(id);
    return this.opening;
  }

  /** Reads the newest page again once the one shown is loaded, and puts it over it: for a
   * page read before the socket's first hello, whose earlier events the socket never sends
   * (a reply's "sent" that came between). */
  async refresh() {
    await this.opening;
    const id = this.id;
    if (!id || this.error) return;
    const data = await this.newest(id);
    if (this.id !== id) return;
    const { messages, pagination: _, ...conversation } = data.conversation;
    this.patch(conversation as Conversation);
    for (const m of messages) this.put(m);
    this.markRead(); // what came in between is read, as a frame's would be
  }

  private async load(id: string | null) {
    if (id === this.id) return;
    this.id = id;
    this.conversation = null;
    this.messages = [];
    this.hasOlder = false;
    this.error = "";
    live.tell("view", { conversation_id: id });
    if (!id) return;
    this.loading = true;
    try {
      const data = await this.newest(id);
      if (this.id !== id) return;
      const { messages, pagination, ...conversation } = data.conversation;
      this.conversation = conversation as Conversation;
      // Frames that arrived while the page loaded are kept.
      const seen = new Set(messages.map((m) => m.id));
      this.messages = [...messages, ...this.messages.filter((m) => !seen.has(m.id))];
      this.hasOlder = messages.length < pagination.total;
      this.markRead();
    } catch (e) {
      if (this.id === id) this.error = (e as Error).message;
    } finally {
      if (this.id === id) this.loading = false;
    }
  }

  /** The conversation of id with its newest page of messages. */
  private newest(id: string) {
    return unwrap(api.GET("/v1/conversations/{conversationId}", { params: { path: { conversationId: id }, query: { latest: true, limit: pageSize } } }));
  }

  /** Prepends the page of messages before the oldest one shown (cursor before=). */
  async loadOlder() {
    const id = this.id;
    if (!id || !this.hasOlder || this.loadingOlder || !this.messages.length) return;
    this.loadingOlder = true;
    try {
      const data = await unwrap(api.GET("/v1/conversations/{conversationId}", { params: { path: { conversationId: id }, query: { before: this.messages[0].id, limit: pageSize } } }));
      if (this.id !== id) return;
      const seen = new Set(this.messages.map((m) => m.id));
      const older = data.conversation.messages.filter((m) => !seen.has(m.id));
      this.messages.unshift(...older);
      this.hasOlder = older.length > 0 && this.messages.length < data.conversation.pagination.total;
    } catch (e) {
      if (this.id === id) this.error = (e as Error).message;
    } finally {
      if (this.id === id) this.loadingOlder = false;
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

  /** The loaded message of id, if any (for quoted replies). */
  find(id: string | null | undefined): ThreadMessage | undefined {
    return id ? this.messages.find((m) => m.id === id) : undefined;
  }

  put(m: Message) {
    const i = this.messages.findIndex((x) => x.id === m.id);
    if (i >= 0) this.messages[i] = { ...m, attachments: keepSigned(this.messages[i].attachments, m.attachments) };
    else this.messages.push(m);
  }

  patchMessage(id: string, change: Partial<ThreadMessage>) {
    const i = this.messages.findIndex((x) => x.id === id);
    if (i >= 0) this.messages[i] = { ...this.messages[i], ...change };
  }

  patch(change: Partial<Conversation>) {
    if (this.conversation) this.conversation = { ...this.conversation, ...change };
  }

  /** Replaces the message's media links by freshly signed ones (one request per message at a
   * time): a frame's links are unsigned, and a REST answer's expire. */
  refreshMedia(id: string): Promise<void> {
    let p = this.refreshing.get(id);
    if (!p) {
      p = this.fetchSigned(id).finally(() => this.refreshing.delete(id));
      this.refreshing.set(id, p);
    }
    return p;
  }

  private async fetchSigned(id: string) {
    const data = await unwrap(api.GET("/team-inbox/api/messages/{messageId}/", { params: { path: { messageId: id } } }));
    const signed = ((data.message.content as { attachments?: Attachment[] }).attachments ?? []);
    const m = this.find(id);
    if (m) this.patchMessage(id, { attachments: keepSigned(signed, m.attachments) });
  }
}

/** next, with prev's links for the same files where next's are unsigned or expired. */
function keepSigned(prev: Attachment[], next: Attachment[]): Attachment[] {
  const path = (u?: string) => u?.split("?")[0];
  return next.map((a) => {
    if (mediaLinkFresh(a.url)) return a;
    const old = prev.find((p) => path(p.url) === path(a.url) && mediaLinkFresh(p.url));
    return old ? { ...a, url: old.url } : a;
  });
}

export const thread = new OpenThread();
