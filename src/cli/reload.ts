/**
 * The reload supervisor of `agent-server dev`: runs the server in this process, watches the
 * project's files — every module the server imported (graphs, the auth module, `http.app`, UI
 * components and what they import), langgraph.json and the env file — and when one changes,
 * stops the server and starts it again with the project's code evaluated afresh.
 *
 * Data survives (it is in SQLite; an in-memory database is handed from one server to the next),
 * and runs that were executing are left `running` by the stop, so the new server resumes them
 * from their last checkpoint. A reload that fails (a syntax error, say) logs the error with its
 * file and line and waits for the next change; the first start fails fast instead, so a broken
 * project never leaves a CI job waiting.
 *
 * Only the files the server loaded are watched, never folders, so writes to the data folder,
 * node_modules or .git cannot trigger a reload.
 */
import { watch, type FSWatcher } from "chokidar";
import path from "node:path";
import type { Logger } from "pino";
import { loadConfig } from "../config/load.js";
import { ModuleLoader } from "../graphs/module-loader.js";
import type { RunningServer } from "../server.js";

/** Changes closer together than this are one reload (editors write a file in several steps). */
const SETTLE_MS = 40;
const NEVER_WATCHED = /[\\/](?:node_modules|\.git|\.agent-server)[\\/]/;

export interface ReloadOptions {
  /** Starts a server whose project modules come through `loader`. */
  start(loader: ModuleLoader): Promise<RunningServer>;
  /** langgraph.json's absolute path. */
  configPath: string;
  logger: Logger;
}

export class ReloadSupervisor {
  private server: RunningServer | null = null;
  private watcher: FSWatcher | null = null;
  private watched = new Set<string>();
  private readonly shellEnv = { ...process.env };
  private settleTimer?: NodeJS.Timeout;
  private changed = new Set<string>();
  private reloading: Promise<void> | null = null;
  private closed = false;

  private constructor(private readonly options: ReloadOptions) {}

  /** Starts the server (a failure here is thrown: nothing has been served yet) and watches its files. */
  static async start(options: ReloadOptions): Promise<ReloadSupervisor> {
    const supervisor = new ReloadSupervisor(options);
    const loader = new ModuleLoader();
    try {
      supervisor.server = await options.start(loader);
      await supervisor.watchFilesOf(loader, true);
    } finally {
      loader.dispose();
    }
    return supervisor;
  }

  /** The server now serving; null while a failed reload waits for a fix. */
  get current(): RunningServer | null {
    return this.server;
  }

  /** The files a change of which reloads the server. */
  get files(): string[] {
    return [...this.watched];
  }

  /** Stops watching and closes the server (running runs get `graceMs` to finish). */
  async close(graceMs = 0): Promise<void> {
    this.closed = true;
    clearTimeout(this.settleTimer);
    await this.watcher?.close();
    await this.reloading;
    await this.server?.close({ graceMs });
    this.server = null;
  }

  private onChange(file: string): void {
    if (this.closed) return;
    this.changed.add(file);
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => void this.reload(), SETTLE_MS);
  }

  private async reload(): Promise<void> {
    if (this.reloading) {
      // A change during a reload: once it is done, reload again with the newest files.
      await this.reloading;
      if (this.changed.size && !this.closed) return this.reload();
      return;
    }
    const changed = [...this.changed].map((f) => path.relative(process.cwd(), f) || f);
    this.changed.clear();
    this.reloading = this.restart(changed).finally(() => (this.reloading = null));
    await this.reloading;
  }

  private async restart(changed: string[]): Promise<void> {
    const { logger } = this.options;
    const started = Date.now();
    logger.info(`${changed.join(", ")} changed: reloading`);
    await this.server?.close({ graceMs: 0 });
    this.server = null;
    if (this.closed) return;
    restoreEnv(this.shellEnv);
    const loader = new ModuleLoader();
    try {
      this.server = await this.options.start(loader);
      logger.info(`reloaded in ${Date.now() - started} ms`);
      await this.watchFilesOf(loader, true);
    } catch (err) {
      logger.error(`reload failed: ${(err as Error)?.message ?? String(err)}`);
      logger.info("waiting for a change to reload");
      // Keep what was watched and add what this attempt loaded: the broken file is among them.
      await this.watchFilesOf(loader, false);
    } finally {
      loader.dispose();
    }
  }

  /** Watches what `loader` loaded plus langgraph.json and the env file; `exact` drops the rest. */
  private async watchFilesOf(loader: ModuleLoader, exact: boolean): Promise<void> {
    const next = new Set([...(await loader.files()), ...configFiles(this.options.configPath)].filter((f) => !NEVER_WATCHED.test(f)));
    if (!exact) for (const f of this.watched) next.add(f);
    if (this.closed || (next.size === this.watched.size && [...next].every((f) => this.watched.has(f)))) return;
    // A new watcher for the new set, ready before the old one goes, so no change falls between.
    const watcher = watch([...next], { ignoreInitial: true });
    watcher.on("all", (_event, file) => this.onChange(file));
    watcher.on("error", (err) => this.options.logger.warn({ err }, "file watcher error"));
    await new Promise<void>((resolve) => watcher.once("ready", resolve));
    await this.watcher?.close();
    this.watcher = watcher;
    this.watched = next;
    if (this.closed) await watcher.close();
  }
}

/** langgraph.json, and the env file it names (when it still parses). */
function configFiles(configPath: string): string[] {
  try {
    const config = loadConfig(configPath);
    return config.env && "file" in config.env ? [configPath, config.env.file] : [configPath];
  } catch {
    return [configPath];
  }
}

/** Puts process.env back as the shell gave it, so a reload reads the env file afresh. */
function restoreEnv(shellEnv: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(process.env)) if (!(name in shellEnv)) delete process.env[name];
  Object.assign(process.env, shellEnv);
}
