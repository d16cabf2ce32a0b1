// Applies the socket's frames to the list and the open thread. The frames carry whole
// conversations and messages (docs/websocket.md), so an update never needs another request.
import type { Conversation, Message } from "./api";
import { list } from "./list.svelte";
import { live, type Frame } from "./live.svelte";
import { session } from "./session.svelte";
import { thread } from "./thread.svelte";

const byType: Record<string, (f: Frame) => void> = {
  new_message(f) {
    const { message, conversation } = f.data as { message: Message; conversation: Conversation };
    const open = thread.id === conversation.id;
    const mentionsMe = message.is_internal && !!message.mentioned_users?.some((u) => u.id === session.me?.id);
    list.upsert(open ? { ...conversation, unread_count: 0 } : conversation, true, mentionsMe);
    if (open) {
      thread.put(message);
      thread.patch(conversation);
      if (message.sender_type === "end_user") thread.markRead();
    }
  },
  message_status(f) {
    const d = f.data;
    if (thread.id !== d.conversation_id) return;
    thread.patchMessage(d.message_id, { status: d.status, error: d.error, send_attempts: d.send_attempts, next_attempt_at: d.next_attempt_at });
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

// A first connection's socket never sends what was stored before its hello, and the list and
// the open thread may have been read before it: read their newest page again. The frames keep
// them current from there.
live.on("fresh", () => {
  // The thread after the list: marking it read then clears its row's unread count, which the
  // list's page, read while it was unread, may show.
  void list.refresh().catch(() => {}).then(() => thread.refresh()).catch(() => {});
});

// After a gap the server cannot replay, reload what is shown.
live.on("reload_required", () => {
  void list.load(new URLSearchParams(location.search));
  const id = thread.id;
  thread.id = null;
  void thread.open(id);
});

// A conversation left open in a background tab is read when the tab is seen again.
document.addEventListener("visibilitychange", () => thread.markRead());
