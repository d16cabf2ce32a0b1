// The open conversation and its messages, kept current by the socket's frames (wired in
// events.svelte.ts).
import { api, unwrap, type Conversation, type Message } from "./api";
import { list } from "./list.svelte";
import { live } from "./live.svelte";
import { session } from "./session.svelte";

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

export const thread = new OpenThread();
