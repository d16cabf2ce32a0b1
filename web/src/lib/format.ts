// Dates and durations as agents read them.

export function time(s: string | null | undefined): string {
  return s ? new Date(s).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
}

export function dateTime(s: string | null | undefined): string {
  return s ? new Date(s).toLocaleString() : "";
}

/** "3m", "2h", "5d": how long ago s was, for the list's waiting time. */
export function ago(s: string | null | undefined, now = Date.now()): string {
  if (!s) return "";
  const sec = Math.max(0, (now - new Date(s).getTime()) / 1000);
  if (sec < 60) return "now";
  if (sec < 3600) return `${Math.floor(sec / 60)}m`;
  if (sec < 86400) return `${Math.floor(sec / 3600)}h`;
  return `${Math.floor(sec / 86400)}d`;
}

/** The calendar day of s, for the thread's day separators. */
export function day(s: string): string {
  const d = new Date(s);
  const today = new Date();
  const yesterday = new Date(Date.now() - 86400000);
  if (d.toDateString() === today.toDateString()) return "Today";
  if (d.toDateString() === yesterday.toDateString()) return "Yesterday";
  return d.toLocaleDateString([], { weekday: "long", year: "numeric", month: "long", day: "numeric" });
}

export function bytes(n: number | undefined): string {
  if (!n) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** "high" -> "High", for values the API spells in lower case. */
export function label(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

const kinds: Record<string, string> = { whatsapp: "WhatsApp", telegram: "Telegram", sms: "SMS", rcs: "RCS", voice: "Voice", web: "Web chat" };

/** A channel kind as people write it ("whatsapp" -> "WhatsApp"). */
export function kindName(kind: string): string {
  return kinds[kind] ?? label(kind);
}

const units: [number, string][] = [[86400, "d"], [3600, "h"], [60, "m"], [1, "s"]];

/** "2h 45m", "5m 20s", "3d 4h", "45s": seconds in their two largest units, as the statistics
 * API writes durations; "—" when there is none. */
export function duration(seconds: number | null | undefined): string {
  if (seconds == null) return "—";
  const total = Math.round(seconds);
  const i = units.findIndex(([n]) => total >= n);
  if (i < 0) return "0s";
  const [size, name] = units[i];
  const next = units[i + 1];
  const rest = next ? Math.floor((total % size) / next[0]) : 0;
  return `${Math.floor(total / size)}${name}` + (rest > 0 ? ` ${rest}${next[1]}` : "");
}
