/**
 * Group commit for LangGraph's checkpoint tables: the checkpoints, channel values and task
 * writes of every run executing in this instance that arrive while a batch is being written go
 * to the database together, in the next batch, as one statement. A run saves several times per
 * step (the checkpoint, then each task's writes) and each save alone is a round trip whose cost,
 * on both sides of the connection, dwarfs the rows it carries; with many runs at once, batching
 * turns most of those round trips into rows of a shared one. A save with nothing to wait for goes
 * at once, so a lone run is not slowed down.
 *
 * A save's promise settles only once the statement that wrote it is committed, so LangGraph's
 * own ordering (it awaits each checkpoint before the next, and all of them before a run ends) and
 * our durability (the run's outcome is recorded after) are exactly as with a statement per save.
 * Batches are written one after another, never side by side, so saves land in the order they
 * were made. Within a batch, rows with the same key are merged as separate statements in that
 * order would have left them (see merge). If a batch fails, each of its saves is retried alone:
 * one bad save (a value Postgres refuses) fails only its own run.
 */

/** One save: what one put or putWrites of LangGraph's saver writes. */
export interface CheckpointSave {
  /** checkpoint_blobs rows: thread_id, checkpoint_ns, channel, version, type, blob. */
  blobs?: Array<[string, string, string, string, string, Uint8Array | undefined]>;
  /** A checkpoints row: thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata (JSON). */
  checkpoint?: [string, string, string, string | null, string, string];
  /** checkpoint_writes rows: thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob. */
  writes?: Array<[string, string, string, string, number, string, string, Uint8Array | undefined]>;
  /** Writes that replace an existing row with their key (LangGraph's special channels); others never overwrite. */
  replace?: boolean;
}

interface Queued {
  save: CheckpointSave;
  resolve: () => void;
  reject: (err: unknown) => void;
}

type Query = (text: string, values: unknown[]) => Promise<unknown>;

const WRITE_COLUMNS = "thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob";
const WRITE_ROWS = (first: number) =>
  `SELECT * FROM unnest($${first}::text[], $${first + 1}::text[], $${first + 2}::text[], $${first + 3}::text[], $${first + 4}::int[], $${first + 5}::text[], $${first + 6}::text[], $${first + 7}::bytea[])`;
const WRITE_KEY = "(thread_id, checkpoint_ns, checkpoint_id, task_id, idx)";

/** Every batch is this one statement (so it is prepared once per connection); empty arrays insert nothing. */
const BATCH = `WITH blobs AS (
    INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[])
    ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING),
  kept AS (
    INSERT INTO checkpoint_writes (${WRITE_COLUMNS}) ${WRITE_ROWS(7)}
    ON CONFLICT ${WRITE_KEY} DO NOTHING),
  replaced AS (
    INSERT INTO checkpoint_writes (${WRITE_COLUMNS}) ${WRITE_ROWS(15)}
    ON CONFLICT ${WRITE_KEY} DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob)
  INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
  SELECT * FROM unnest($23::text[], $24::text[], $25::text[], $26::text[], $27::jsonb[], $28::jsonb[])
  ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`;

export class CheckpointWriter {
  private queue: Queued[] = [];
  private writing = false;

  constructor(private readonly query: Query) {}

  /** Resolves once `save` is committed. */
  save(save: CheckpointSave): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ save, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.write(batch.map((q) => q.save));
          for (const q of batch) q.resolve();
        } catch (err) {
          if (batch.length === 1) batch[0]!.reject(err);
          else await this.retryAlone(batch);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async retryAlone(batch: Queued[]): Promise<void> {
    for (const q of batch) {
      try {
        await this.write([q.save]);
        q.resolve();
      } catch (err) {
        q.reject(err);
      }
    }
  }

  private write(saves: CheckpointSave[]): Promise<unknown> {
    const { blobs, kept, replaced, checkpoints } = merge(saves);
    return this.query(BATCH, [...columns(blobs, 6), ...columns(kept, 8), ...columns(replaced, 8), ...columns(checkpoints, 6)]);
  }
}

/**
 * The rows of a batch, one per key, as the saves one statement at a time would have left them:
 * a channel value or a kept write is never overwritten (the first stays), a checkpoint or a
 * replacing write is (the last stays), and a key written both ways ends with the last replacing
 * value, since a replace overwrites whatever came before and a keep after it changes nothing.
 */
function merge(saves: CheckpointSave[]) {
  const blobs = new Map<string, unknown[]>();
  const checkpoints = new Map<string, unknown[]>();
  const writes = new Map<string, { row: unknown[]; replace: boolean }>();
  for (const save of saves) {
    for (const row of save.blobs ?? []) {
      const key = row.slice(0, 4).join("\0");
      if (!blobs.has(key)) blobs.set(key, row);
    }
    if (save.checkpoint) checkpoints.set(save.checkpoint.slice(0, 3).join("\0"), save.checkpoint);
    for (const row of save.writes ?? []) {
      const key = row.slice(0, 5).join("\0");
      const seen = writes.get(key);
      if (save.replace) writes.set(key, { row, replace: true });
      else if (!seen) writes.set(key, { row, replace: false });
    }
  }
  const kept: unknown[][] = [];
  const replaced: unknown[][] = [];
  for (const { row, replace } of writes.values()) (replace ? replaced : kept).push(row);
  return { blobs: [...blobs.values()], kept, replaced, checkpoints: [...checkpoints.values()] };
}

/** Rows as one array per column, for unnest; a missing value is NULL. */
function columns(rows: unknown[][], width: number): unknown[][] {
  const out = Array.from({ length: width }, () => new Array<unknown>(rows.length));
  rows.forEach((row, r) => {
    for (let c = 0; c < width; c++) out[c]![r] = row[c] ?? null;
  });
  return out;
}
