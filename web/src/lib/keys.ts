// The workspace's keyboard shortcuts: one keydown listener on the document. Keys typed into a
// text field are the field's, except Escape, which leaves it (so the shortcuts work again).
// The controls are found by their labels, the same contract the tests use.
import { tick } from "svelte";
import { api, unwrap } from "./api";
import { list, moveSelection } from "./list.svelte";
import { router } from "./router.svelte";
import { session } from "./session.svelte";
import { thread } from "./thread.svelte";

export const shortcuts: { key: string; does: string; writers?: boolean }[] = [
  { key: "j", does: "Next conversation" },
  { key: "k", does: "Previous conversation" },
  { key: "r", does: "Reply", writers: true },
  { key: "n", does: "Internal note", writers: true },
  { key: "e", does: "Close the conversation", writers: true },
  { key: "a", does: "Assign", writers: true },
  { key: "/", does: "Search" },
  { key: "?", does: "Show these shortcuts" },
  { key: "Esc", does: "Leave a text field, close this help" },
];

/** The control whose accessible name is name: its aria-label, or its <label>'s text. */
function labelled(name: string, selector = "input, textarea, select, button, [role]"): HTMLElement | null {
  for (const el of document.querySelectorAll<HTMLElement>(selector)) {
    if (el.getAttribute("aria-label") === name) return el;
    const labels = (el as HTMLInputElement).labels;
    if (labels && [...labels].some((l) => l.textContent?.trim() === name)) return el;
  }
  return null;
}

function typing(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  return el instanceof HTMLInputElement && !["checkbox", "radio", "button", "submit", "reset"].includes(el.type);
}

/** Switches the composer to mode ("Reply" or "Internal note") and puts the cursor in it. */
async function compose(mode: string) {
  const radio = labelled(mode, "input[type=radio]") as HTMLInputElement | null;
  if (radio && !radio.checked) radio.click();
  await tick();
  labelled(mode, "textarea, [contenteditable]")?.focus();
}

async function close(say: (text: string) => void) {
  const c = thread.conversation;
  if (!c || c.status === "closed") return;
  try {
    await unwrap(api.PATCH("/v1/conversations/{conversationId}/status", { params: { path: { conversationId: c.id } }, body: { status: "closed" } }));
    // The socket's ticket_update says the same; this shows it at once.
    list.patch(c.id, { status: "closed" });
    if (thread.id === c.id) thread.patch({ status: "closed" });
    say("Conversation closed");
  } catch (e) {
    say("Could not close: " + (e as Error).message);
  }
}

/** Focuses the search box; on a phone, whose thread hides the list, goes back to the list. */
async function search() {
  if (!labelled("Search conversations")?.checkVisibility()) {
    router.open(null);
    await tick();
  }
  labelled("Search conversations")?.focus();
}

// The assignee picker's button is named "Assignee: <who>" (controls/Picker.svelte).
function assign() {
  const el = document.querySelector<HTMLButtonElement>('button[aria-label^="Assignee"]');
  el?.focus();
  if (el?.getAttribute("aria-expanded") === "false") el.click();
}

/** Starts the shortcuts; help shows the list of them, say announces an outcome. Returns the stop. */
export function startKeys(help: () => void, say: (text: string) => void): () => void {
  function onKey(ev: KeyboardEvent) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    if (typing(ev.target)) {
      if (ev.key === "Escape") (ev.target as HTMLElement).blur();
      return;
    }
    if (document.querySelector("dialog[open]")) return;
    const open = thread.conversation !== null;
    const write = session.canWrite && open;
    const actions: Record<string, (() => void) | false> = {
      j: () => moveSelection(1),
      k: () => moveSelection(-1),
      r: write && (() => void compose("Reply")),
      n: write && (() => void compose("Internal note")),
      e: write && (() => void close(say)),
      a: write && assign,
      "/": () => void search(),
      "?": help,
    };
    const act = actions[ev.key];
    if (!act) return;
    ev.preventDefault();
    act();
  }
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
