/** The row count of an UPDATE/DELETE run through `manager.query` ([rows, count] for pg). */
export function affectedRows(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}

/** The RETURNING rows of an UPDATE/DELETE run through `manager.query` (pg gives [rows, count]). */
export function returnedRows<T>(result: unknown): T[] {
  return Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as T[]) : [];
}
