import type { DeliveryMessage } from "../env";

// A FIFO hook's line, kept in its HookState's SQLite (src/durable/hook-state.ts): the deliveries
// waiting to be sent, in the order they joined (publish order: the order in which their publishes
// reached this object; a publish joins before it answers, so an event published after another's
// answer is behind it). The head is the one delivery that may be sent; its place (`seq`) is its
// *turn*, carried by its queue messages (`DeliveryMessage.turn`) and checked before each send
// (`isTurn`, in `admit`), so a message of an earlier head can never send out of order.
//
// One row per waiting delivery: joining writes it (1 row, no index: a re-join looks its delivery up by
// a scan, which reads rows at $0.001 per million and only happens for a re-sent or manual message),
// leaving deletes it (1 row). The head needs no state of its own: it is the lowest `seq`; `blocked`
// is set only when a dead head blocks the line. The table is made on a hook's first FIFO delivery:
// other hooks' objects never have it.

/** What becomes of a line's head when it ends dead: hold the line (`block`) or pass it over (`skip`). */
export type OnDead = "block" | "skip";
/** How the head's delivery ended; `gone`: its event is no longer in the log (retention, account deletion). */
export type LineEnd = "succeeded" | "dead" | "skipped" | "gone";

export interface LineStatus {
  /** Deliveries in the line, the head included. */
  waiting: number;
  /** The delivery whose turn it is, or null when the line is empty. */
  head: string | null;
  /** The head ended dead and the hook's `ordering_on_dead` is `block`: a manual retry of it unblocks the line. */
  blocked: boolean;
}

interface Row extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  body: string;
  blocked: number;
}

export class HookLine {
  private ready = false;
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Deliveries join the line at its tail (`fresh`: just published, so not in it yet; else one already
   * there has its message updated in place: a re-sent message carries a new token). Answers the
   * messages to send now, each carrying its turn: the new head when the line was empty, or the head
   * again when its own delivery re-joined (a manual retry of a blocked head, the log's re-send of a
   * lost message). In the order given. `onDead`: the hook's setting, when the caller read it (a blocked
   * head is passed over once it says `skip`).
   */
  join(entries: DeliveryMessage[], onDead: OnDead | undefined, fresh: boolean): DeliveryMessage[] {
    this.ensure();
    const before = this.head();
    let rejoinedHead = false;
    for (const entry of entries) {
      const body = JSON.stringify({ ...entry, turn: undefined });
      const found = fresh ? undefined : this.sql.exec<{ seq: number }>("SELECT seq FROM line WHERE id = ?", entry.delivery_id).toArray()[0];
      if (!found) {
        this.sql.exec("INSERT INTO line (id, body) VALUES (?, ?)", entry.delivery_id, body);
        continue;
      }
      this.sql.exec("UPDATE line SET body = ?, blocked = 0 WHERE seq = ?", body, found.seq);
      if (found.seq === before?.seq) rejoinedHead = true;
    }
    // The hook's setting may have changed to `skip` while its head was blocked.
    if (!rejoinedHead && before?.blocked && onDead === "skip") return this.pop(before.seq);
    const head = this.head();
    if (!head || head.blocked) return [];
    return !before || rejoinedHead || head.seq !== before.seq ? [turnOf(head)] : [];
  }

  /**
   * The head's delivery ended: the next delivery's message, or nothing (an empty line, a dead head that
   * blocks it, or a report about a turn that is no longer the head's: a late copy, already counted).
   */
  advance(id: string, turn: number, end: LineEnd, onDead: OnDead): DeliveryMessage[] {
    // No line, no head to move on (nor a table to make in a deleted hook's emptied object).
    if (!this.exists()) return [];
    const head = this.head();
    if (!head || head.seq !== turn || head.id !== id) return [];
    if (end === "dead" && onDead === "block") {
      if (!head.blocked) this.sql.exec("UPDATE line SET blocked = 1 WHERE seq = ?", head.seq);
      return [];
    }
    return this.pop(head.seq);
  }

  /** Whether a message carrying `turn` for this delivery may be sent now. */
  isTurn(id: string, turn: number): boolean {
    if (!this.exists()) return false;
    const head = this.head();
    return head !== null && head.seq === turn && head.id === id && !head.blocked;
  }

  status(): LineStatus | null {
    if (!this.exists()) return null;
    const head = this.head();
    const { n } = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM line").one();
    return { waiting: n, head: head?.id ?? null, blocked: head?.blocked === 1 };
  }

  /** Empties the line, answering its messages in line order without turns (the hook's ordering was turned off). */
  release(): DeliveryMessage[] {
    if (!this.exists()) return [];
    const rows = this.sql.exec<Row>("SELECT * FROM line ORDER BY seq").toArray();
    this.sql.exec("DELETE FROM line");
    return rows.map((r) => JSON.parse(r.body) as DeliveryMessage);
  }

  private pop(seq: number): DeliveryMessage[] {
    this.sql.exec("DELETE FROM line WHERE seq = ?", seq);
    const next = this.head();
    return next ? [turnOf(next)] : [];
  }

  private head(): Row | null {
    return this.sql.exec<Row>("SELECT * FROM line ORDER BY seq LIMIT 1").toArray()[0] ?? null;
  }

  private exists(): boolean {
    if (this.ready) return true;
    this.ready = this.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'line'").toArray().length > 0;
    return this.ready;
  }

  private ensure(): void {
    if (this.exists()) return;
    this.sql.exec("CREATE TABLE line (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, body TEXT NOT NULL, blocked INTEGER NOT NULL DEFAULT 0)");
    this.ready = true;
  }

  /** The object's storage was wiped (the hook was deleted): the table must be made again. */
  forget(): void {
    this.ready = false;
  }
}

function turnOf(row: Row): DeliveryMessage {
  return { ...(JSON.parse(row.body) as DeliveryMessage), turn: row.seq };
}
