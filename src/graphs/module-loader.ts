/**
 * Imports the project's modules (graphs, the auth module, `http.app`) through our loader hooks
 * (loader-hooks.mjs): TypeScript works without a build step, node_modules are shared with this
 * server (one copy of LangGraph in memory), and each ModuleLoader evaluates the project's files
 * afresh, which is what a hot reload needs. It remembers every project file it loaded, so the
 * reload supervisor knows what to watch, even when an import failed half-way.
 */
import { register } from "node:module";
import { pathToFileURL } from "node:url";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { nativeImport } from "./native-import.mjs";

const LOAD_PARAM = "agent-server-load";

/** Reports from the hooks thread: which project file was loaded under which load id. */
interface HookChannel {
  port: MessagePort;
  files: Map<string, Set<string>>;
  flushes: Map<number, () => void>;
  nextFlush: number;
  nextLoadId: number;
}

/**
 * Loader hooks are process-wide by nature (Node has one module loader), so they are registered
 * once, on first use, and shared by every server in the process; each loader's files are kept
 * apart by its load id.
 */
let channel: HookChannel | undefined;

function hooks(): HookChannel {
  if (channel) return channel;
  const { port1, port2 } = new MessageChannel();
  const state: HookChannel = { port: port1, files: new Map(), flushes: new Map(), nextFlush: 0, nextLoadId: 0 };
  port1.on("message", (message: { loadId?: string; file?: string; flushed?: number }) => {
    if (message.flushed !== undefined) {
      state.flushes.get(message.flushed)?.();
      state.flushes.delete(message.flushed);
    } else if (message.loadId && message.file) {
      state.files.get(message.loadId)?.add(message.file);
    }
  });
  port1.unref();
  register(new URL("./loader-hooks.mjs", import.meta.url), { data: { port: port2 }, transferList: [port2] });
  // Stack traces of the project's TypeScript point at its own lines (the hooks emit source maps).
  process.setSourceMapsEnabled(true);
  channel = state;
  return state;
}

export class ModuleLoader {
  private readonly loadId: string;
  private readonly state: HookChannel;

  constructor() {
    this.state = hooks();
    this.loadId = `${process.pid}-${++this.state.nextLoadId}`;
    this.state.files.set(this.loadId, new Set());
  }

  /** Imports a project file; its project-local imports are evaluated afresh for this loader. */
  async import(file: string): Promise<Record<string, unknown>> {
    const url = pathToFileURL(file);
    url.searchParams.set(LOAD_PARAM, this.loadId);
    try {
      return await nativeImport(url.href);
    } finally {
      this.state.files.get(this.loadId)!.add(file);
    }
  }

  /** Counts files the server read by other means (UI component sources) among this loader's files. */
  note(files: string[]): void {
    for (const file of files) this.state.files.get(this.loadId)!.add(file);
  }

  /** Every project file this loader has loaded (node_modules excluded), once the hooks have reported. */
  async files(): Promise<string[]> {
    const id = this.state.nextFlush++;
    const state = this.state;
    state.port.ref();
    try {
      await new Promise<void>((resolve) => {
        state.flushes.set(id, resolve);
        state.port.postMessage({ flush: id });
      });
    } finally {
      state.port.unref();
    }
    return [...state.files.get(this.loadId)!];
  }

  /** Says the project is loaded: the compiler can release its resources until the next load. */
  idle(): void {
    this.state.port.postMessage({ idle: true });
  }

  /** Forgets the file list (the modules themselves stay in Node's cache, as Node has no unload). */
  dispose(): void {
    this.state.files.delete(this.loadId);
  }
}
