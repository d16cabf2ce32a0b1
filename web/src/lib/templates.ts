// How a WhatsApp template reads once its parameters are filled: the composer's template picker
// and the channel settings' preview render with the same functions.
import type { components } from "./schema";

type MessageTemplate = components["schemas"]["MessageTemplate"];

/** The text of the template's component of type (HEADER, BODY, FOOTER), or "". */
export function componentText(t: MessageTemplate | null | undefined, type: string): string {
  return (t?.components as { type?: string; text?: string }[] | undefined)?.find((c) => c.type === type)?.text ?? "";
}

/** The text with {{n}} replaced by values[n-1], as pieces so empty parameters stand out. */
export function fill(s: string, values: string[]) {
  return s.split(/(\{\{\d+\}\})/).map((part) => {
    const n = /^\{\{(\d+)\}\}$/.exec(part)?.[1];
    const v = n ? values[Number(n) - 1]?.trim() : undefined;
    return n ? { text: v || part, empty: !v } : { text: part, empty: false };
  });
}

/** The pieces fill returns, as one string. */
export const plain = (pieces: { text: string }[]) => pieces.map((p) => p.text).join("");
