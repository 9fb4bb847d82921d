/** JSON columns: how values go into and come out of SQLite text columns. */
export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJson<T>(text: string | null | undefined): T {
  return (text == null ? null : JSON.parse(text)) as T;
}
