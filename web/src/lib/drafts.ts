// Drafts per conversation, kept across reloads. A draft belongs to one conversation and is
// never shown in another.
const prefix = "teaminbox.draft.";

export function loadDraft(conversationId: string): string {
  return localStorage.getItem(prefix + conversationId) ?? "";
}

export function saveDraft(conversationId: string, text: string) {
  if (text) localStorage.setItem(prefix + conversationId, text);
  else localStorage.removeItem(prefix + conversationId);
}
