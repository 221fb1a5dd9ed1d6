import type { FirstSuccesses } from "./first-successes";
import type { Partitions, Sql } from "./partitions";

/** What the log's functions work on: the object's SQL, its day partitions, and its first successes. */
export interface LogDb {
  sql: Sql;
  parts: Partitions;
  firsts: FirstSuccesses;
}
