// Tables as CSV files (RFC 4180): the reports' download buttons.
import { saveBlob } from "./download";

export type Cell = string | number | null | undefined;

/** A field, quoted when it holds a quote, a comma or a line break (quotes doubled). */
function field(v: Cell): string {
  const s = v == null ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The rows as CSV text, header first, each record ending in CRLF. */
export function toCSV(rows: Cell[][]): string {
  return rows.map((r) => r.map(field).join(",") + "\r\n").join("");
}

/** Makes the browser save rows as the CSV file filename. */
export function downloadCSV(filename: string, rows: Cell[][]) {
  saveBlob(new Blob([toCSV(rows)], { type: "text/csv;charset=utf-8" }), filename);
}
