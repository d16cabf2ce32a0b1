// The columns of the reports' tables: what a cell shows, what the CSV holds (durations in
// seconds there), and how the column sorts.
import type { Cell } from "../../lib/csv";

export type Column<R> = {
  label: string;
  /** The CSV header of the column. */
  csvLabel: string;
  show: (r: R) => string;
  csv: (r: R) => Cell;
  /** The value the column sorts by (null last); columns without one do not sort. */
  sort?: (r: R) => number | string | null;
  numeric?: boolean;
  /** Only in the CSV, not on the page. */
  hidden?: boolean;
};
