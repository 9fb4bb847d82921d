/** `select`: keep only the listed top-level fields of each record (all of them when not given). */
export function selectFields<T extends object>(items: T[], select: string[] | undefined): Array<Partial<T>> {
  if (!select?.length) return items;
  return items.map((item) => Object.fromEntries(select.filter((k) => k in item).map((k) => [k, (item as Record<string, unknown>)[k]])) as Partial<T>);
}
