/**
 * Loads the project's `env` (a .env file or inline variables) into process.env. Variables that are
 * already set win, as with `langgraph dev`, so a shell export always overrides the file.
 */
import { existsSync, readFileSync } from "node:fs";
import { parse } from "dotenv";
import type { ProjectConfig } from "./load.js";

/** Returns the names it set, so a caller can report them; a missing .env file is not an error. */
export function loadProjectEnv(config: ProjectConfig): { loaded: string[]; missingFile?: string } {
  if (!config.env) return { loaded: [] };
  let values: Record<string, string>;
  if ("file" in config.env) {
    if (!existsSync(config.env.file)) return { loaded: [], missingFile: config.env.file };
    values = parse(readFileSync(config.env.file));
  } else {
    values = config.env.values;
  }
  const loaded: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (process.env[name] !== undefined) continue;
    process.env[name] = value;
    loaded.push(name);
  }
  return { loaded };
}
