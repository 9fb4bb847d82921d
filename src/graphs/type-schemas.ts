/**
 * Runs the static type analysis of graphs (type-analysis.mjs) in a worker thread and remembers
 * its results. Nothing happens until the first schema request that needs types: start-up and
 * runs never pay for it, and the TypeScript compiler is loaded only inside the worker. One job
 * runs at a time; the worker is stopped after a while without work (it holds the parsed
 * declaration files, hundreds of megabytes) and when the server closes, and it never keeps the
 * process alive.
 *
 * Results are kept per server in memory and, when the project has a data folder, on disk,
 * keyed by the content of every file the analysis read (the graph, the project files it
 * imports, tsconfig.json, the package.json of each package whose types were used): a restart
 * or a reload answers from the file until one of them changes.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { AnalysisOutcome, TypeAnalysis } from "./type-analysis.mjs";

export type { TypeAnalysis, TypedSchemas } from "./type-analysis.mjs";

/** Bump when the analysis produces different schemas for the same files: old cache entries are dropped. */
const CACHE_FORMAT = 1;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_IDLE_MS = 15_000;

/** Where and how long the analysis may run. */
export interface TypeSchemaOptions {
  /** A JSON file where results survive restarts; without it, results live in memory only. */
  cacheFile?: string;
  /** An analysis running longer is stopped and counts as failed. Default 30 s, or LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS. */
  timeoutMs?: number;
  /** The worker is stopped after this long without work. Default 15 s. */
  idleMs?: number;
}

interface CacheEntry {
  inputs: Record<string, string>;
  analysis: TypeAnalysis;
}

interface CacheContents {
  format: number;
  typescript: string;
  entries: Record<string, CacheEntry>;
}

interface Job {
  file: string;
  exportName: string;
}

/**
 * One per server: analyses a graph's types at most once (per file contents), one job at a time,
 * in a worker thread it starts on demand and stops when idle or closed.
 */
export class TypeSchemaAnalyzer {
  private worker?: Worker;
  private idleTimer?: NodeJS.Timeout;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (o: AnalysisOutcome) => void; reject: (e: Error) => void }>();
  private readonly results = new Map<string, Promise<TypeAnalysis>>();
  /** One job at a time, so each one's timeout measures its own work. */
  private queue: Promise<unknown> = Promise.resolve();
  private disk?: Promise<CacheContents>;
  private diskWrites: Promise<void> = Promise.resolve();
  /** Once true, analyses end as failed: the server is going away. */
  closed = false;
  private readonly timeoutMs: number;
  private readonly idleMs: number;
  /** How many analyses the worker has run (the rest came from a cache). */
  analyses = 0;

  constructor(private readonly options: TypeSchemaOptions = {}) {
    const fromEnv = Number(process.env.LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS);
    this.timeoutMs = options.timeoutMs ?? (fromEnv > 0 ? fromEnv : DEFAULT_TIMEOUT_MS);
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  }

  /** The analysis of the graph `exportName` of `file`; computed once per server (and per file contents on disk). */
  analyse(file: string, exportName: string): Promise<TypeAnalysis> {
    const key = `${path.resolve(file)}#${exportName}`;
    let result = this.results.get(key);
    if (!result) {
      result = this.compute(key, { file: path.resolve(file), exportName });
      this.results.set(key, result);
    }
    return result;
  }

  /** Stops the worker (an analysis under way ends as failed). */
  async close(): Promise<void> {
    this.closed = true;
    await this.stopWorker(new Error("the server is closing"));
    await this.diskWrites;
  }

  private async compute(key: string, job: Job): Promise<TypeAnalysis> {
    const cached = await this.fromDisk(key);
    if (cached) return cached;
    let outcome: AnalysisOutcome;
    try {
      outcome = await this.enqueue(job);
    } catch (err) {
      // Not written to disk: a timeout or a crash may not happen next time.
      return { ok: false, reason: (err as Error).message };
    }
    this.diskWrites = this.diskWrites.then(() => this.toDisk(key, outcome)).catch(() => undefined);
    return outcome.analysis;
  }

  private enqueue(job: Job): Promise<AnalysisOutcome> {
    const run = this.queue.then(() => this.run(job));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private run(job: Job): Promise<AnalysisOutcome> {
    if (this.closed) return Promise.reject(new Error("the server is closing"));
    clearTimeout(this.idleTimer);
    const worker = (this.worker ??= this.startWorker());
    const id = this.nextId++;
    this.analyses++;
    return new Promise<AnalysisOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        void this.stopWorker(new Error(`the analysis took longer than ${this.timeoutMs} ms (LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS)`));
      }, this.timeoutMs);
      timer.unref();
      const settle = () => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (this.pending.size === 0 && this.worker === worker) this.scheduleIdleStop();
      };
      this.pending.set(id, {
        resolve: (outcome) => (settle(), resolve(outcome)),
        reject: (err) => (settle(), reject(err)),
      });
      worker.postMessage({ id, job });
    });
  }

  private startWorker(): Worker {
    const worker = new Worker(new URL("./type-schema-worker.mjs", import.meta.url), {
      // A pathological project must not take the machine's memory with it.
      resourceLimits: { maxOldGenerationSizeMb: 2048 },
    });
    worker.unref();
    worker.on("message", (message: { id: number; outcome?: AnalysisOutcome; error?: string }) => {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      if (message.outcome) waiting.resolve(message.outcome);
      else waiting.reject(new Error(message.error ?? "the analysis failed"));
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of [...this.pending.values()]) waiting.reject(err);
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the analysis worker exited (code ${code})`)));
    return worker;
  }

  private scheduleIdleStop(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.stopWorker(new Error("idle")), this.idleMs);
    this.idleTimer.unref();
  }

  private async stopWorker(reason: Error): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    for (const waiting of [...this.pending.values()]) waiting.reject(reason);
    if (worker) await worker.terminate();
  }

  private async fromDisk(key: string): Promise<TypeAnalysis | undefined> {
    if (!this.options.cacheFile) return undefined;
    const entry = (await (this.disk ??= readCache(this.options.cacheFile))).entries[key];
    if (!entry) return undefined;
    for (const [file, hash] of Object.entries(entry.inputs)) {
      if ((await hashFile(file)) !== hash) return undefined;
    }
    return entry.analysis;
  }

  private async toDisk(key: string, outcome: AnalysisOutcome): Promise<void> {
    const file = this.options.cacheFile;
    if (!file) return;
    const cache = await (this.disk ??= readCache(file));
    const inputs: Record<string, string> = {};
    for (const input of outcome.inputs) {
      const hash = await hashFile(input);
      if (hash === null) return; // a file vanished meanwhile: nothing trustworthy to store
      inputs[input] = hash;
    }
    cache.entries[key] = { inputs, analysis: outcome.analysis };
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeFile(temporary, JSON.stringify(cache));
    await rename(temporary, file);
  }
}

function typescriptVersion(): string {
  try {
    return (createRequire(import.meta.url)("@ts-morph/common/package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

async function readCache(file: string): Promise<CacheContents> {
  const empty: CacheContents = { format: CACHE_FORMAT, typescript: typescriptVersion(), entries: {} };
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as CacheContents;
    if (parsed.format === empty.format && parsed.typescript === empty.typescript && parsed.entries) return parsed;
  } catch {
    // missing or unreadable: start empty
  }
  return empty;
}

async function hashFile(file: string): Promise<string | null> {
  try {
    return createHash("sha256").update(await readFile(file)).digest("hex");
  } catch {
    return null;
  }
}
