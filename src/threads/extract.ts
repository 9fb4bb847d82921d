/**
 * `extract` on thread search: named values picked out of each thread by a path, as
 * `{"last": "values.messages[-1].content"}`. A path starts at `values`, `metadata`, `config` or
 * `interrupts` and goes on with `.key` and `[index]` steps (a negative index counts from the end);
 * one that leads nowhere gives null.
 */
import { Unprocessable } from "../errors.js";

type Step = string | number;

/** Extract paths by alias, parsed once per request. */
export type ExtractPaths = Map<string, Step[]>;

const ROOTS = new Set(["values", "metadata", "config", "interrupts"]);
const STEP = /\.([^.[\]]+)|\[(-?\d+)\]/y;

function parsePath(alias: string, path: string): Step[] {
  const root = /^[^.[\]]+/.exec(path)?.[0];
  if (!root || !ROOTS.has(root)) {
    throw new Unprocessable(`extract.${alias}: "${path}" must start with values, metadata, config or interrupts`);
  }
  const steps: Step[] = [root];
  STEP.lastIndex = root.length;
  while (STEP.lastIndex < path.length) {
    const at = STEP.lastIndex;
    const match = STEP.exec(path);
    if (!match) throw new Unprocessable(`extract.${alias}: "${path}" is not a path (at "${path.slice(at)}")`);
    steps.push(match[1] ?? Number(match[2]));
  }
  return steps;
}

/** Parses every path of an `extract` object; a bad one is a 422 naming its alias. */
export function parseExtract(spec: Record<string, string>): ExtractPaths {
  return new Map(Object.entries(spec).map(([alias, path]) => [alias, parsePath(alias, path)]));
}

/** The `extracted` object of one record. */
export function extractFrom(record: object, paths: ExtractPaths): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [alias, steps] of paths) {
    let value: unknown = record;
    for (const step of steps) {
      if (typeof step === "number") value = Array.isArray(value) ? value.at(step) : undefined;
      else value = value !== null && typeof value === "object" && Object.hasOwn(value, step) ? (value as Record<string, unknown>)[step] : undefined;
      if (value === undefined) break;
    }
    out[alias] = value ?? null;
  }
  return out;
}
