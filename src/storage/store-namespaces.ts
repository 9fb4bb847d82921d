/**
 * How store namespaces are keyed and listed, the same on every backend. A namespace is stored
 * with its path: each label followed by \x1f, so a namespace prefix (whole labels) is a string
 * prefix of the path, and ["u","ann"] is not a prefix of ["u","annie"].
 */
export const NS_SEPARATOR = "\u001f";

export function namespacePath(namespace: string[]): string {
  return namespace.map((label) => `${label}${NS_SEPARATOR}`).join("");
}

/** The literal part of a prefix pattern (up to its first `*`), as a path: what SQL can narrow on. */
export function literalPrefixPath(prefix: string[] | undefined): string {
  const literal: string[] = [];
  for (const label of prefix ?? []) {
    if (label === "*") break;
    literal.push(label);
  }
  return namespacePath(literal);
}

/** Whether a namespace matches a prefix or suffix path, `*` matching any one label. */
function matchesPath(namespace: string[], path: string[], at: "prefix" | "suffix"): boolean {
  if (path.length > namespace.length) return false;
  const part = at === "prefix" ? namespace.slice(0, path.length) : namespace.slice(namespace.length - path.length);
  return path.every((label, i) => label === "*" || label === part[i]);
}

export interface NamespaceListing {
  prefix?: string[];
  suffix?: string[];
  maxDepth?: number;
  limit: number;
  offset: number;
}

/**
 * `listNamespaces` from the distinct namespaces a backend found: matched against the prefix and
 * suffix patterns, cut at `maxDepth`, deduplicated, sorted, then paged.
 */
export function selectNamespaces(namespaces: Iterable<string[]>, options: NamespaceListing): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const ns of namespaces) {
    if (options.prefix && !matchesPath(ns, options.prefix, "prefix")) continue;
    if (options.suffix && !matchesPath(ns, options.suffix, "suffix")) continue;
    const shown = options.maxDepth !== undefined ? ns.slice(0, options.maxDepth) : ns;
    const id = JSON.stringify(shown);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(shown);
  }
  const key = (ns: string[]) => namespacePath(ns);
  out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return out.slice(options.offset, options.offset + options.limit);
}
