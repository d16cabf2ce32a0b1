// What the composer shares with the rest of the workspace, and the rules it applies before a
// file leaves the browser.
import type { Message } from "./api";
import type { components } from "./schema";
import { bytes } from "./format";

/** The message the next reply answers; the thread's "Reply to this message" sets it and the
 * composer of that message's conversation clears it. */
export const compose = new (class {
  replyTo = $state<Message | null>(null);
})();

type ChannelKind = components["schemas"]["ChannelKind"];
export type MediaKind = "image" | "audio" | "video" | "document";

/** The content type of a message carrying a file of this MIME type (the server's rule). */
export function mediaKind(mime: string): MediaKind {
  for (const k of ["image", "audio", "video"] as const) if (mime.startsWith(k + "/")) return k;
  return "document";
}

const MB = 1024 * 1024;
type Limit = { max: number; types?: string[]; typesSaid?: string };
type Limits = { name: string } & Partial<Record<MediaKind, Limit>> & { other?: Limit };

// The providers' limits as docs/channels.md ("Sending media") gives them, so an agent hears
// of a file too large before waiting for its upload. The server checks them all again, more
// finely (every MIME type), and its answer is shown when it refuses.
const limits: Partial<Record<ChannelKind, Limits | null>> = {
  whatsapp: {
    name: "WhatsApp",
    image: { max: 5 * MB, types: ["image/jpeg", "image/png"], typesSaid: "JPEG and PNG" },
    audio: { max: 16 * MB },
    video: { max: 16 * MB },
    document: { max: 100 * MB },
  },
  telegram: { name: "Telegram", image: { max: 10 * MB }, other: { max: 50 * MB } },
  sms: { name: "SMS (MMS)", other: { max: 5 * MB } },
  rcs: { name: "RCS", other: { max: 100 * MB } },
  voice: null,
};

/** Whether conversations on this kind of channel can send files at all. */
export function takesFiles(kind: ChannelKind): boolean {
  return limits[kind] !== null;
}

/** Why the channel's provider would refuse file, or "" when it is known to take it. */
export function fileProblem(kind: ChannelKind, file: { type: string; size: number }): string {
  const p = limits[kind];
  if (p === null) return "This channel sends no files.";
  if (!p) return "";
  const k = mediaKind(file.type);
  const l = p[k] ?? p.other;
  if (!l) return "";
  if (l.types && !l.types.includes(file.type)) return `${p.name} takes ${k} files only as ${l.typesSaid}; this one is ${file.type || "of an unknown type"}.`;
  if (file.size > l.max) return `${p.name} takes ${k === "document" || !p[k] ? "" : k + " "}files of at most ${l.max / MB} MB; this one is ${bytes(file.size)}.`;
  return "";
}
