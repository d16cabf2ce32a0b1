// Applies a change the server confirmed to the list row and the open thread at once, so a
// control shows the new value before the frame that confirms it to everyone arrives.
import type { Conversation } from "../../lib/api";
import { list } from "../../lib/list.svelte";
import { thread } from "../../lib/thread.svelte";

export function updateConversation(id: string, change: (c: Conversation) => Partial<Conversation>) {
  const row = list.rows.find((r) => r.id === id);
  if (row) list.patch(id, change(row));
  if (thread.id === id && thread.conversation) thread.patch(change(thread.conversation));
}

