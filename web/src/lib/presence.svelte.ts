// Who is online, who views which conversation and who is typing in it, from the socket's
// ephemeral frames (docs/websocket.md: hello, presence, typing_indicator).
import { fullName, type Message } from "./api";
import { live, type Frame } from "./live.svelte";
import { thread } from "./thread.svelte";

export type Typer = { key: string; name: string; contact: boolean };

type Person = { id: string; first_name?: string; last_name?: string; email?: string; phone?: string };

class Presence {
  /** User ids with a socket open anywhere. */
  online = $state<string[]>([]);
  /** Conversation id -> user ids viewing it. */
  viewers = $state<Record<string, string[]>>({});
  /** Conversation id -> who is typing in it, agents and the contact. */
  typing = $state<Record<string, Typer[]>>({});
  /** How long an indicator lasts without news: the server ends it after the typing timeout;
   * this only covers a lost "stopped" frame. */
  private typingMs = 6000;
  private timers = new Map<string, ReturnType<typeof setTimeout>>();

  hello(f: Frame) {
    this.online = f.data.online ?? [];
    this.typingMs = ((f.data.typing_timeout_seconds as number | undefined) ?? 5) * 1000 + 1000;
    // Viewers and typers were announced to the old socket; start afresh and say again what this
    // one views (a socket's view belongs to it, and the first view may predate the socket).
    this.viewers = {};
    this.typing = {};
    if (thread.id) live.tell("view", { conversation_id: thread.id });
  }

  presence(f: Frame) {
    const d = f.data as { user_id: string; online: string[]; conversation_id?: string; viewers?: string[] };
    this.online = d.online;
    const next: Record<string, string[]> = {};
    for (const [conv, ids] of Object.entries(this.viewers)) {
      // An agent views one conversation at a time: a frame naming another one (or none) means
      // it left this one.
      const kept = ids.filter((id) => d.online.includes(id) && id !== d.user_id);
      if (kept.length) next[conv] = kept;
    }
    if (d.conversation_id && d.viewers?.length) next[d.conversation_id] = d.viewers;
    this.viewers = next;
  }

  typingIndicator(f: Frame) {
    const d = f.data as { conversation_id: string; user?: Person; contact?: Person; is_typing: boolean };
    const who = d.user ?? d.contact;
    if (!who) return;
    const t: Typer = { key: (d.user ? "user:" : "contact:") + who.id, name: d.user ? fullName(d.user) : "Customer", contact: !d.user };
    this.setTyping(d.conversation_id, t, d.is_typing);
  }

  /** A message from someone ends their typing at once. */
  message(m: Message) {
    const key = m.sender_type === "end_user" ? "contact:" : m.sender_type === "business_user" ? "user:" : "";
    if (!key) return;
    for (const t of this.typing[m.conversation_id] ?? []) {
      if (t.key.startsWith(key) && (key === "contact:" || t.key === key + m.sender_id)) this.setTyping(m.conversation_id, t, false);
    }
  }

  private setTyping(conv: string, t: Typer, on: boolean) {
    const timer = conv + "|" + t.key;
    clearTimeout(this.timers.get(timer));
    this.timers.delete(timer);
    const rest = (this.typing[conv] ?? []).filter((x) => x.key !== t.key);
    this.typing[conv] = on ? [...rest, t] : rest;
    if (on) this.timers.set(timer, setTimeout(() => this.setTyping(conv, t, false), this.typingMs));
  }
}

export const presence = new Presence();

live.on("hello", (f) => presence.hello(f));
live.on("presence", (f) => presence.presence(f));
live.on("typing_indicator", (f) => presence.typingIndicator(f));
live.on("new_message", (f) => presence.message(f.data.message as Message));
