/**
 * The storage contract: what the services need from a backend, one interface per repository.
 * Every method is async so a network database (Postgres, later) can implement the same contract.
 * `get`-style methods return `null` when nothing matches; they never throw for "not found".
 * Records use the wire's snake_case so they can be returned to clients as they are.
 * Authorization filters (see `MetadataFilter`) are applied by the backend, so a hidden record
 * behaves exactly like a missing one.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Metadata = Record<string, unknown>;

export type ThreadStatus = "idle" | "busy" | "interrupted" | "error";
export type RunStatus = "pending" | "running" | "success" | "error" | "timeout" | "interrupted";
export type MultitaskStrategy = "reject" | "interrupt" | "rollback" | "enqueue";
export type IfExists = "raise" | "do_nothing";

/**
 * A filter returned by an authorization handler, matched against a record's `metadata`.
 * Keys are ANDed. A value is either a scalar (equality), `{$eq: v}`, or `{$contains: v | v[]}`
 * (the metadata field is an array holding every given value).
 */
export type MetadataFilter = Record<string, unknown>;

export interface Assistant {
  assistant_id: string;
  graph_id: string;
  config: Record<string, unknown>;
  context: Record<string, unknown>;
  metadata: Metadata;
  name: string;
  description: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Thread {
  thread_id: string;
  created_at: string;
  updated_at: string;
  /** When the thread's values (or interrupts) last changed: at creation, then by runs and state updates. */
  state_updated_at: string;
  metadata: Metadata;
  status: ThreadStatus;
  config: Record<string, unknown>;
  values?: unknown;
  interrupts?: Record<string, unknown[]>;
}

/** What happens to a thread when its time-to-live runs out. */
export type ThreadTtlStrategy = "delete" | "keep_latest";

/**
 * A time-to-live as a caller sets it on a thread: `minutes` from now, the sweeper applies
 * `strategy`: `delete` removes the thread with its runs and checkpoints, `keep_latest` removes
 * all but its latest checkpoints and sets the next expiry `minutes` later.
 */
export interface ThreadTtlSetting {
  strategy: ThreadTtlStrategy;
  minutes: number;
}

/** A thread's time-to-live as stored (what `GET /threads/:id?include=ttl` shows). */
export interface ThreadTtl {
  strategy: ThreadTtlStrategy;
  ttl_minutes: number;
  expires_at: string;
}

/** What a run was asked to do; stored as `kwargs` and returned as such. */
export interface RunKwargs {
  input?: unknown;
  command?: unknown;
  config: Record<string, unknown>;
  context?: unknown;
  stream_mode: string[];
  interrupt_before?: string[] | "*";
  interrupt_after?: string[] | "*";
  webhook?: string;
  feedback_keys?: string[];
  temporary: boolean;
  subgraphs: boolean;
  resumable: boolean;
  checkpoint_id?: string;
  checkpoint?: Record<string, unknown>;
  /** Created by the thread-centric protocol: streams protocol events (LangGraph's streamEvents v3). */
  protocol?: boolean;
  /** When checkpoints are written: each step before the next (`sync`), alongside it (`async`, LangGraph's default), or only at the end (`exit`). */
  durability?: "sync" | "async" | "exit";
}

export interface Run {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  status: RunStatus;
  metadata: Metadata;
  kwargs: RunKwargs;
  multitask_strategy: MultitaskStrategy;
  created_at: string;
  updated_at: string;
}

/** The server-side part of a run that clients never see. */
export interface RunInternal {
  /** How many times a worker has started this run (restart recovery caps it). */
  attempt: number;
  /** The authenticated user, for graphs (`config.configurable.langgraph_auth_user`). */
  auth?: { user: Record<string, unknown>; permissions: string[] } | null;
}

export type SortOrder = "asc" | "desc";

/** A page of results and the total that matched (for `X-Pagination-Total`). */
export interface Page<T> {
  items: T[];
  total: number;
}

export interface AssistantSearchQuery {
  graphId?: string;
  /** Containment: every key must equal the assistant's metadata value. */
  metadata?: Metadata;
  /** Case-insensitive substring of the name. */
  name?: string;
  limit: number;
  offset: number;
  sortBy?: "assistant_id" | "graph_id" | "name" | "created_at" | "updated_at";
  sortOrder?: SortOrder;
  filter?: MetadataFilter;
}

/** One recorded version of an assistant: the assistant as it was, without `updated_at`. */
export type AssistantVersion = Omit<Assistant, "updated_at">;

export interface AssistantPatch {
  graph_id?: string;
  config?: Record<string, unknown>;
  context?: Record<string, unknown>;
  /** Merged into the stored metadata. */
  metadata?: Metadata;
  name?: string;
  description?: string | null;
}

/**
 * What a create with an id the caller chose comes to: a new record, the stored one
 * (`if_exists: "do_nothing"`), or a conflict (`"raise"`, or the stored one is hidden from the
 * caller by `filter`, which must not reveal it).
 */
export type PutResult<T> = { kind: "created"; record: T } | { kind: "existing"; record: T } | { kind: "conflict" };

export interface AssistantRepository {
  /** Creates the assistant (version 1, with its first version row); see PutResult. */
  put(assistant: Assistant, ifExists: IfExists, filter?: MetadataFilter): Promise<PutResult<Assistant>>;
  get(assistantId: string, filter?: MetadataFilter): Promise<Assistant | null>;
  /** Applies the patch, bumps the version and records it; null when missing or hidden. */
  update(assistantId: string, patch: AssistantPatch, filter?: MetadataFilter): Promise<Assistant | null>;
  /** Deletes the assistant, its versions and its runs (and, if asked, threads whose metadata names it). */
  delete(assistantId: string, options: { deleteThreads: boolean; filter?: MetadataFilter }): Promise<boolean>;
  search(query: AssistantSearchQuery): Promise<Page<Assistant>>;
  count(query: Omit<AssistantSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): Promise<number>;
  /** Versions, newest first; `metadata` filters on each version's metadata. */
  listVersions(
    assistantId: string,
    query: { limit: number; offset: number; metadata?: Metadata; filter?: MetadataFilter },
  ): Promise<AssistantVersion[]>;
  /** Makes `version` current (config, context, metadata, name, description); null if either is missing. */
  setLatest(assistantId: string, version: number, filter?: MetadataFilter): Promise<Assistant | null>;
  /** Removes every assistant not created by the system (`metadata.created_by = "system"`). */
  truncate(): Promise<void>;
}

export interface ThreadSearchQuery {
  metadata?: Metadata;
  ids?: string[];
  status?: ThreadStatus;
  /** Containment on the thread's last values (top-level keys). */
  values?: Record<string, unknown>;
  limit: number;
  offset: number;
  sortBy?: "thread_id" | "status" | "created_at" | "updated_at" | "state_updated_at";
  sortOrder?: SortOrder;
  filter?: MetadataFilter;
}

/** A thread whose time-to-live has run out, and what to do with it. */
export interface ExpiredThread {
  thread_id: string;
  strategy: ThreadTtlStrategy;
}

export interface ThreadRepository {
  /**
   * Creates the thread; see PutResult (an existing thread is returned untouched). Safe under
   * concurrency: of many creates with one id exactly one inserts.
   */
  create(
    thread: { thread_id: string; metadata: Metadata; ttl?: ThreadTtlSetting },
    ifExists: IfExists,
    filter?: MetadataFilter,
  ): Promise<PutResult<Thread>>;
  get(threadId: string, filter?: MetadataFilter): Promise<Thread | null>;
  /**
   * Merges `metadata` into the thread's and, with `ttl`, sets its time-to-live from now (the
   * previous one is replaced); null when missing or hidden.
   */
  update(threadId: string, patch: { metadata?: Metadata; ttl?: ThreadTtlSetting }, filter?: MetadataFilter): Promise<Thread | null>;
  /** The thread's time-to-live; null when it has none (or is missing). */
  getTtl(threadId: string): Promise<ThreadTtl | null>;
  /**
   * Records what the last run left behind: status, and the values/interrupts from its checkpoint.
   * `state_updated_at` moves only when the values or interrupts differ from the stored ones.
   */
  setState(
    threadId: string,
    update: { status: ThreadStatus; values?: unknown; interrupts?: Record<string, unknown[]> },
  ): Promise<void>;
  /** Deletes the thread with its runs and checkpoints; false when missing or hidden. */
  delete(threadId: string, filter?: MetadataFilter): Promise<boolean>;
  search(query: ThreadSearchQuery): Promise<Page<Thread>>;
  count(query: Omit<ThreadSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder" | "ids">): Promise<number>;
  /** Copies the thread's row (new id, metadata + `thread_id`), checkpoints and writes. */
  copy(sourceId: string, target: { thread_id: string; metadata: Metadata }): Promise<Thread | null>;
  /**
   * Deletes the thread's checkpoints (and their writes) except the newest of each checkpoint
   * namespace, so its state stays and its history is one checkpoint long; false when missing or
   * hidden.
   */
  pruneCheckpoints(threadId: string, filter?: MetadataFilter): Promise<boolean>;
  /** Threads whose time-to-live ran out at `now`, soonest first, at most `limit`. */
  expired(now: Date, limit: number): Promise<ExpiredThread[]>;
  /** The earliest expiry of any thread, for the sweeper's timer. */
  nextExpiry(): Promise<Date | null>;
  /**
   * Applies an expired thread's strategy, atomically and only if it is still expired at `now`
   * (another sweeper, or a new TTL, may have come first): `delete` deletes it with its runs and
   * checkpoints, `keep_latest` prunes its checkpoints as `pruneCheckpoints` and sets its next
   * expiry one TTL later. Returns what it did, or null.
   */
  sweep(threadId: string, now: Date): Promise<"deleted" | "pruned" | null>;
  /** Removes all threads (and with them their runs and checkpoints). */
  truncate(options: { threads: boolean; runs: boolean; checkpoints: boolean }): Promise<void>;
}

export interface CreateRunInput {
  run: Run;
  internal: RunInternal;
  /** Create the thread when it is missing (`if_not_exists: "create"`), with this metadata. */
  createThreadWith?: Metadata;
  /** Metadata merged into the thread: the graph and assistant the run uses. */
  threadMetadata: Metadata;
  /** The thread's config, as the run configures it (without any auth user). */
  threadConfig: Record<string, unknown>;
  /**
   * The caller's `threads:create_run` filter: an existing thread it hides is `thread_missing`
   * (checked in the same transaction as the insert).
   */
  threadFilter?: MetadataFilter;
  /**
   * Claim the run for this owner in the same step, when it can start at once: it is due now and
   * nothing else is in flight on its thread. Such a run is not signalled to claimers (it is
   * taken); otherwise creation goes as without it.
   */
  claimFor?: { owner: string; now: Date; leaseMs: number };
}

export type CreateRunResult =
  | { kind: "created"; run: Run; inflight: Run[]; claimed?: ClaimedRun }
  | { kind: "thread_missing" }
  | { kind: "busy"; inflight: Run[] };

/** How a run is stopped from outside: `interrupt` keeps what it wrote, `rollback` deletes it. */
export type CancelAction = "interrupt" | "rollback";

/** A run as its claimer gets it: with its server-side part, and any cancel already requested. */
export interface ClaimedRun extends Run {
  attempt: number;
  internal: RunInternal;
  cancel: CancelAction | null;
  /** The run's assistant, where the backend reads it with the claim (a round trip fewer). */
  assistant?: Assistant | null;
}

/** What a run leaves behind, recorded by the instance that executed it (`owner`). */
export interface RunOutcome {
  runId: string;
  threadId: string;
  /** The claimer's id: an outcome is recorded only while its lease is still this owner's. */
  owner: string;
  /** The run's final status; `deleted`: the run itself goes (a rollback). */
  status: RunStatus | "deleted";
  thread: { status: ThreadStatus; values?: unknown; interrupts?: Record<string, unknown[]> } | "delete";
}

/**
 * The runs: creation with the multitask strategies, the queue, and the lease model every backend
 * shares (see runs/lifecycle.ts). A run is claimed by one owner (a server instance) with a lease
 * that the owner renews while it executes; a run whose lease has expired (its owner died) is
 * claimed again by anyone, with its attempt bumped. Only the owner holding the lease records the
 * run's outcome.
 */
export interface RunRepository {
  /**
   * Atomically: checks the thread (creating it if asked), applies the multitask strategy's
   * precondition (`reject` refuses when a run is pending or running), inserts the run as
   * `pending` and marks the thread busy. Returns the runs that were in flight. A backend several
   * instances share signals `runs` (payload: when the run is due) as it commits. With
   * `claimFor`, a run that can start at once is inserted claimed (as `claimNext` would leave it)
   * and returned as `claimed`, with no signal.
   */
  create(input: CreateRunInput): Promise<CreateRunResult>;
  get(runId: string, threadId?: string): Promise<Run | null>;
  getInternal(runId: string): Promise<RunInternal | null>;
  listByThread(threadId: string, query: { limit: number; offset: number; status?: RunStatus }): Promise<Run[]>;
  /**
   * Claims for `owner`, with a lease until `now + leaseMs`: first a running run whose lease
   * expired before `now` (taken over), else the oldest pending run that is due and whose thread
   * runs nothing. Marks it `running`, bumps its attempt. Two concurrent claims (from any
   * instance) never return the same run, nor two runs of one thread.
   */
  claimNext(owner: string, now: Date, leaseMs: number): Promise<ClaimedRun | null>;
  /**
   * Extends the leases of those of `runIds` that `owner` still holds (running, not taken over,
   * not deleted) to `now + leaseMs`; returns them, with any cancel requested meanwhile.
   */
  renewLeases(owner: string, runIds: string[], now: Date, leaseMs: number): Promise<Array<{ runId: string; cancel: CancelAction | null }>>;
  /**
   * Records a run's outcome and its thread's state in one transaction, only if `owner` still
   * holds the run (false otherwise: another instance took it over, or it was deleted): the run's
   * status (or its deletion); then the thread's status, values and interrupts — its status is
   * `busy` instead while other runs are in flight — or, for a stateless run, the thread's deletion.
   * A backend several instances share signals `events` with the run's id as it commits, and
   * `runs` when a run is queued on the thread behind this one (some instance may claim it now).
   */
  finish(outcome: RunOutcome): Promise<boolean>;
  /** Puts the runs `owner` holds among `runIds` back to `pending` (a graceful stop); returns their ids. */
  release(owner: string, runIds: string[]): Promise<string[]>;
  /** Whether the thread still has pending or running runs (other than `exceptRunId`). */
  hasInflight(threadId: string, exceptRunId?: string): Promise<boolean>;
  listByStatus(status: RunStatus): Promise<Run[]>;
  /**
   * Cancels a run only if it is still pending (atomically against a claim): marks it
   * `interrupted`, or deletes it; its thread is then idle unless other runs are in flight.
   * Returns false when it was no longer pending. Signals `events` as finish does.
   */
  cancelPending(runId: string, outcome: "interrupted" | "delete"): Promise<boolean>;
  /** Records a cancel for a running run, for its owner to act on; false when it is not running. */
  requestCancel(runId: string, action: CancelAction): Promise<boolean>;
  /** Every running run goes back to `pending`, whoever holds it (a backend one process owns, at start). */
  requeueRunning(): Promise<string[]>;
  /** Earliest `created_at` among pending runs, for the worker's timer (after_seconds). */
  nextDueAt(): Promise<Date | null>;
  delete(runId: string): Promise<boolean>;
}

/** One event of a run's stream, as every reader gets it. */
export interface StoredRunEvent {
  /** Per-run sequence number, 0 for the first `metadata` event; attempts continue the numbering. */
  id: number;
  event: string;
  /** The event's data, serialised as JSON. */
  data: string;
}

/**
 * A run's stream events, shared by the instances on one database, so that a reader on one
 * instance follows a run executing on another. Only backends several processes share have it.
 */
export interface RunEventRepository {
  /**
   * Appends events (ids in order, continuing the run's) and signals `events` with the run's id.
   * Events outlive their run (a stateless run is deleted as it ends; its readers still read them)
   * until swept.
   */
  append(runId: string, events: StoredRunEvent[]): Promise<void>;
  /** The run's events with an id above `afterId`, in order (at most `limit`). */
  after(runId: string, afterId: number, limit: number): Promise<StoredRunEvent[]>;
  /** The run's last event id, -1 when it has none. */
  lastId(runId: string): Promise<number>;
  /** Deletes events written before `before` of runs no longer in flight (or gone); returns how many. */
  sweep(before: Date): Promise<number>;
}

/**
 * Notifications between the server instances sharing a database (Postgres LISTEN/NOTIFY), or
 * within the one process that owns it (SQLite). Delivery is best effort: every listener also
 * polls now and then, and `onReconnect` tells it when notifications may have been missed.
 */
export interface Signals {
  publish(channel: SignalChannel, payload: string): Promise<void>;
  /** Calls `handler` for each notification on `channel`; returns the unsubscribe function. */
  subscribe(channel: SignalChannel, handler: (payload: string) => void): () => void;
  /** Calls `handler` after notifications may have been lost (a dropped connection came back). */
  onReconnect(handler: () => void): () => void;
}

/**
 * `runs`: a run became claimable (payload: when it is due, ISO 8601, or empty); `cancel`:
 * `<runId> <action>`; `events`: a run's stream moved on (payload: its id).
 */
export type SignalChannel = "runs" | "cancel" | "events";

/** A scheduled run. `payload` holds the run's RunCreate fields. */
export interface Cron {
  cron_id: string;
  assistant_id: string;
  thread_id: string | null;
  schedule: string;
  timezone: string | null;
  payload: Record<string, unknown>;
  metadata: Metadata;
  end_time: string | null;
  on_run_completed: "delete" | "keep" | null;
  user_id: string | null;
  enabled: boolean;
  next_run_date: string | null;
  created_at: string;
  updated_at: string;
}

export interface CronSearchQuery {
  assistantId?: string;
  threadId?: string;
  enabled?: boolean;
  metadata?: Metadata;
  limit: number;
  offset: number;
  sortBy?: "cron_id" | "assistant_id" | "thread_id" | "next_run_date" | "end_time" | "created_at" | "updated_at";
  sortOrder?: SortOrder;
  filter?: MetadataFilter;
}

export interface CronRepository {
  create(cron: Cron, auth: RunInternal["auth"]): Promise<Cron>;
  get(cronId: string, filter?: MetadataFilter): Promise<Cron | null>;
  /** The auth context the cron's runs are created with (its creator's). */
  getAuth(cronId: string): Promise<RunInternal["auth"]>;
  update(cronId: string, patch: Partial<Omit<Cron, "cron_id" | "created_at">>, filter?: MetadataFilter): Promise<Cron | null>;
  delete(cronId: string, filter?: MetadataFilter): Promise<boolean>;
  search(query: CronSearchQuery): Promise<Page<Cron>>;
  count(query: Omit<CronSearchQuery, "limit" | "offset" | "sortBy" | "sortOrder">): Promise<number>;
  /** Enabled crons whose next run is due at `now`. */
  due(now: Date): Promise<Cron[]>;
  /**
   * Moves a cron from the slot it is due at to the next one, only if it is still at `slot`
   * (compare-and-set): whoever wins fires the slot, so no slot fires twice.
   */
  advance(cronId: string, slot: string, next: string | null): Promise<boolean>;
  nextDueAt(): Promise<Date | null>;
}

/** A long-term memory item, as the store routes return it. */
export interface StoreItem {
  namespace: string[];
  key: string;
  value: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

/**
 * The key-value store shared by graphs and HTTP clients. `langgraph` is the same data as a
 * LangGraph `BaseStore`, handed to graphs; the other methods serve the store routes. Expired
 * items (TTL, in minutes) are invisible everywhere and removed by `sweepExpired`. `authFilter`
 * is an authorization filter matched against `{...value, namespace, key}`.
 */
export interface ItemStore {
  langgraph: import("@langchain/langgraph-checkpoint").BaseStore;
  put(namespace: string[], key: string, value: Record<string, unknown>, options?: { ttlMinutes?: number | null }): Promise<void>;
  get(namespace: string[], key: string, options?: { refreshTtl?: boolean }): Promise<StoreItem | null>;
  delete(namespace: string[], key: string): Promise<boolean>;
  search(
    namespacePrefix: string[],
    options: { filter?: Record<string, unknown>; authFilter?: MetadataFilter; limit: number; offset: number; refreshTtl?: boolean },
  ): Promise<StoreItem[]>;
  listNamespaces(options: {
    prefix?: string[];
    suffix?: string[];
    maxDepth?: number;
    limit: number;
    offset: number;
    authFilter?: MetadataFilter;
  }): Promise<string[][]>;
  /** Deletes expired items; returns how many. */
  sweepExpired(): Promise<number>;
  truncate(): Promise<void>;
}

/**
 * One backend: the three repositories plus LangGraph's own checkpointer, all on one database so
 * a thread's rows and its checkpoints live and die together.
 */
export interface Storage {
  assistants: AssistantRepository;
  threads: ThreadRepository;
  runs: RunRepository;
  store: ItemStore;
  crons: CronRepository;
  /** A LangGraph `BaseCheckpointSaver` bound to this backend. */
  checkpointer: import("@langchain/langgraph-checkpoint").BaseCheckpointSaver;
  /** Merges `patch` into a checkpoint's metadata; false if the checkpoint does not exist. */
  patchCheckpointMetadata(
    threadId: string,
    checkpoint: { checkpoint_id: string; checkpoint_ns?: string },
    patch: Record<string, unknown>,
  ): Promise<boolean>;
  /**
   * Deletes the thread's checkpoints (and writes) newer than `checkpointId` (all when null), in
   * every namespace: what a rolled-back run wrote, since one run at a time writes to a thread and
   * checkpoint ids are time-ordered.
   */
  deleteCheckpointsAfter(threadId: string, checkpointId: string | null): Promise<void>;
  /** Run events shared between instances; absent when one process owns the database (SQLite). */
  events?: RunEventRepository;
  signals: Signals;
  /**
   * One process owns the data (SQLite): runs left running are its own, from before a restart, and
   * are requeued at start instead of waiting for their leases to expire.
   */
  exclusive: boolean;
  /**
   * Whether this caller should run the periodic task `name` now: true for exactly one caller per
   * `intervalMs`, however many instances ask (the store's TTL sweep runs once, not once per instance).
   */
  claimPeriodicTask(name: string, now: Date, intervalMs: number): Promise<boolean>;
  /** Empties everything a reset asks for (`POST /internal/truncate`); system assistants stay. */
  truncate(options: { runs: boolean; threads: boolean; assistants: boolean; checkpointer: boolean; store: boolean }): Promise<void>;
  /** Where data lives, for the banner (`":memory:"` for in-memory). */
  location: string;
  close(): Promise<void>;
}
