// @ts-check
/**
 * One line for an esbuild failure, file and line first as editors link them:
 * `src/graph.ts:12:5: Expected ";" but found "}"`. Shared by the loader hooks (plain JavaScript,
 * in Node's loader thread) and the UI bundler.
 *
 * @param {unknown} err an esbuild transform or build failure (or anything else thrown)
 * @param {string} fallbackFile named when esbuild gives no location
 * @param {string} [cwd] locations of a build are relative to its working folder
 * @returns {string}
 */
export function describeEsbuildError(err, fallbackFile, cwd) {
  const first = /** @type {{ errors?: Array<{ text: string, location?: { file: string, line: number, column: number, lineText?: string } | null }> }} */ (err)
    .errors?.[0];
  if (!first) return `${fallbackFile}: ${String(/** @type {Error} */ (err)?.message ?? err)}`;
  const location = first.location;
  if (!location) return `${fallbackFile}: ${first.text}`;
  const file = location.file && !location.file.startsWith("/") && cwd ? `${cwd}/${location.file}` : location.file || fallbackFile;
  return `${file}:${location.line}:${location.column + 1}: ${first.text}`;
}
