// The reports' date range: calendar days (YYYY-MM-DD) in the business's time zone, as the
// statistics API counts them, with the presets the range picker offers.

export type Range = { from: string; to: string };
export type Preset = "7d" | "30d" | "90d" | "month";

export const presets: { id: Preset; label: string }[] = [
  { id: "7d", label: "Last 7 days" },
  { id: "30d", label: "Last 30 days" },
  { id: "90d", label: "Last 90 days" },
  { id: "month", label: "This month" },
];

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** Whether s is a real calendar day written YYYY-MM-DD. */
export function isDay(s: string | null | undefined): s is string {
  return !!s && dayPattern.test(s) && new Date(s + "T00:00:00Z").toISOString().startsWith(s);
}

/** Today's date in timeZone (an IANA name). */
export function today(timeZone: string, now = new Date()): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

/** The day n days after day (before, when n is negative). */
export function addDays(day: string, n: number): string {
  const d = new Date(day + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Every day from from to to, both included. */
export function days({ from, to }: Range): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** The range a preset stands for, ending today. */
export function presetRange(p: Preset, todayDay: string): Range {
  switch (p) {
    case "7d":
      return { from: addDays(todayDay, -6), to: todayDay };
    case "30d":
      return { from: addDays(todayDay, -29), to: todayDay };
    case "90d":
      return { from: addDays(todayDay, -89), to: todayDay };
    case "month":
      return { from: todayDay.slice(0, 8) + "01", to: todayDay };
  }
}

/** The preset that gives exactly range today, if one does. */
export function presetOf(range: Range, todayDay: string): Preset | null {
  return presets.find((p) => {
    const r = presetRange(p.id, todayDay);
    return r.from === range.from && r.to === range.to;
  })?.id ?? null;
}
