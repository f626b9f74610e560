/** A real calendar date written YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T00:00:00Z`) : null;
  return t !== null && !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === s;
}
