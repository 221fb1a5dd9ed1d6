/** A page of a list, as every list answers it (`listOf` in src/schemas/common.ts). */
export interface Page<Item> {
  data: Item[];
  next_cursor: string | null;
}

/**
 * One page of a list (`?limit=&cursor=`), newest first by id. The query is asked for one row more
 * than the page holds: that row is never shown, it only tells that another page follows, which
 * starts after the last row shown (its id is the next cursor). So the last page never links to an
 * empty one.
 */
export async function pageOf<Row, Item>(
  query: { limit: number; cursor?: string },
  fetchRows: (limit: number, cursor: string | undefined) => Promise<Row[]>,
  present: (row: Row) => Item,
  idOf: (row: Row) => string,
): Promise<Page<Item>> {
  const rows = await fetchRows(query.limit + 1, query.cursor);
  const shown = rows.slice(0, query.limit);
  return { data: shown.map(present), next_cursor: rows.length > query.limit ? idOf(shown[shown.length - 1]!) : null };
}
