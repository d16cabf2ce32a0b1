// Tells the agent about what needs them while they look elsewhere: a browser notification (once
// they turned it on), an optional beep, and the number of such conversations in the tab title.
// What counts: a new message in a conversation assigned to me, a note mentioning me, a new
// conversation for me (assigned to me or one of my teams, or to nobody yet: every writer's),
// and a conversation handed to me or my team. Never what I did myself, nor the conversation I
// am looking at while the tab is seen.
import { fullName, type Conversation, type Message } from "./api";
import { list } from "./list.svelte";
import { live, type Frame } from "./live.svelte";
import { router } from "./router.svelte";
import { session } from "./session.svelte";

const soundKey = "teaminbox.sound";
const dismissedKey = "teaminbox.notify.dismissed";
const baseTitle = "Team Inbox";
const supported = typeof Notification !== "undefined";

/** What to tell about one frame. */
export type News = { conversationId: string; title: string; body: string };

type Me = { id: string; teamIds: Set<string>; canWrite: boolean };
type Ref = { id?: string } | null | undefined;

function contact(c: Conversation | undefined): string {
  return c ? fullName(c.end_user) : "A conversation";
}

/** The news in frame f for me, or null when it is none of mine. */
export function newsFor(f: Frame, me: Me): News | null {
  const mine = (u: Ref) => u?.id === me.id;
  const myTeam = (t: Ref) => !!t?.id && me.teamIds.has(t.id);
  switch (f.type) {
    case "new_message": {
      const { message: m, conversation: c } = f.data as { message: Message; conversation: Conversation };
      if (m.sender_type === "system" || m.sender_id === me.id) return null;
      const text = m.content || "Sent an attachment";
      if (m.is_internal && m.mentioned_users?.some(mine)) return { conversationId: c.id, title: `${session.userName(m.sender_id) || "A colleague"} mentioned you`, body: `${contact(c)}: ${text}` };
      if (mine(c.assigned_user) && !m.is_internal) return { conversationId: c.id, title: contact(c), body: text };
      return null;
    }
    case "conversation_update": {
      const c = f.data.conversation as Conversation;
      if (f.data.reason !== "created") return null;
      const forMe = mine(c.assigned_user) || (!c.assigned_user && (myTeam(c.assigned_team) || (!c.assigned_team && me.canWrite)));
      return forMe ? { conversationId: c.id, title: "New conversation", body: `${contact(c)} on ${c.channel.name}` } : null;
    }
    case "assignment_update": {
      const d = f.data as { id: string; assigned_user: Ref; assigned_team: (Ref & { name?: string }) | null; updated_by?: Ref };
      if (mine(d.updated_by)) return null;
      const c = list.rows.find((x) => x.id === d.id);
      if (mine(d.assigned_user)) return { conversationId: d.id, title: "Assigned to you", body: contact(c) };
      if (!d.assigned_user && myTeam(d.assigned_team)) return { conversationId: d.id, title: `Assigned to ${d.assigned_team?.name ?? "your team"}`, body: contact(c) };
      return null;
    }
  }
  return null;
}

class Notifier {
  /** Conversations with news I have not opened yet; their number is in the tab title. */
  unseen = $state<string[]>([]);
  /** The browser's permission: "default" until the agent answers the prompt. */
  permission = $state<NotificationPermission>(supported ? Notification.permission : "denied");
  /** Whether the agent closed the "turn on notifications" prompt without answering. */
  dismissed = $state(localStorage.getItem(dismissedKey) === "1");
  sound = $state(localStorage.getItem(soundKey) === "on");
  /** Whether to offer turning notifications on (never asked for by itself). */
  askable = $derived(supported && this.permission === "default" && !this.dismissed);
  private visible = $state(document.visibilityState === "visible");
  private audio: AudioContext | null = null;
  private lastBeep = 0;

  /** Listens to the socket and keeps the title; returns the stop. */
  start(): () => void {
    const offs = ["new_message", "conversation_update", "assignment_update"].map((t) => live.on(t, (f) => this.receive(f)));
    const onVisibility = () => (this.visible = document.visibilityState === "visible");
    document.addEventListener("visibilitychange", onVisibility);
    // The sound may only start after a gesture in the page: a reload with the sound on is
    // silent until the agent first clicks or types.
    const unlock = () => void this.audio?.resume();
    addEventListener("pointerdown", unlock);
    addEventListener("keydown", unlock);
    const stopEffects = $effect.root(() => {
      $effect(() => {
        document.title = (this.unseen.length ? `(${this.unseen.length}) ` : "") + baseTitle;
      });
      // Opening a conversation (in a seen tab) is seeing its news.
      $effect(() => {
        const id = router.conversationId;
        if (id && this.visible && this.unseen.includes(id)) this.unseen = this.unseen.filter((x) => x !== id);
      });
    });
    return () => {
      offs.forEach((off) => off());
      document.removeEventListener("visibilitychange", onVisibility);
      removeEventListener("pointerdown", unlock);
      removeEventListener("keydown", unlock);
      stopEffects();
      document.title = baseTitle;
      this.unseen = [];
    };
  }

  /** Asks the browser for permission: only ever from the agent's click on the prompt. */
  async ask() {
    if (!supported) return;
    this.permission = await Notification.requestPermission();
  }

  dismiss() {
    this.dismissed = true;
    localStorage.setItem(dismissedKey, "1");
  }

  toggleSound() {
    this.sound = !this.sound;
    localStorage.setItem(soundKey, this.sound ? "on" : "off");
    if (this.sound) this.beep();
  }

  private receive(f: Frame) {
    const me = session.me;
    if (!me) return;
    const teamIds = new Set(session.teams.filter((t) => (t as { member_ids?: string[] }).member_ids?.includes(me.id)).map((t) => t.id));
    const news = newsFor(f, { id: me.id, teamIds, canWrite: session.canWrite });
    if (!news || (news.conversationId === router.conversationId && this.visible)) return;
    if (!this.unseen.includes(news.conversationId)) this.unseen.push(news.conversationId);
    if (this.sound) this.beep();
    if (this.permission !== "granted") return;
    // One notification per conversation: a newer one replaces it (tag).
    const n = new Notification(news.title, { body: news.body, tag: news.conversationId });
    n.onclick = () => {
      focus();
      router.open(news.conversationId);
      n.close();
    };
  }

  /** A short two-tone beep, at most one a second. */
  private beep() {
    const now = Date.now();
    if (now - this.lastBeep < 1000) return;
    this.lastBeep = now;
    this.audio ??= new AudioContext();
    const ctx = this.audio;
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0.15, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.3);
    gain.connect(ctx.destination);
    const osc = ctx.createOscillator();
    osc.frequency.setValueAtTime(880, ctx.currentTime);
    osc.frequency.setValueAtTime(660, ctx.currentTime + 0.12);
    osc.connect(gain);
    osc.start();
    osc.stop(ctx.currentTime + 0.3);
  }
}

export const notify = new Notifier();
