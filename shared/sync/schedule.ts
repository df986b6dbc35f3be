/** When a platform synced every `everyMinutes` is next due after `from`. */
export function nextSyncAfter(from: Date, everyMinutes: number): string {
  return new Date(from.getTime() + everyMinutes * 60_000).toISOString();
}
