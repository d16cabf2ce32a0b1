// What the composer is about to send, set from elsewhere in the workspace (the thread's
// "Reply" action sets the message a reply quotes).
import type { Message } from "./api";

export const compose = new (class { replyTo = $state<Message | null>(null) })();
