// @ts-check
/**
 * `import()` in a file of its own: test runners rewrite `import()` in the files they transform
 * (vitest.config.ts keeps this one native), and the project's modules must go through Node's
 * loader, and our hooks, exactly as in production.
 * @param {string} url
 * @returns {Promise<Record<string, unknown>>}
 */
export function nativeImport(url) {
  return import(url);
}
