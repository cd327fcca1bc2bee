import type { DataSource, EntityManager } from 'typeorm';

/** A node of PostgreSQL's EXPLAIN (FORMAT JSON) plan: the fields tests look at. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  /** With `{ analyze: true }`: rows each loop returned, and how many loops. */
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/**
 * Every node of the plan PostgreSQL picks for the statement `run` sends, in `dataSource`'s
 * database as it is: `run` (a repository function) gets a manager that EXPLAINs its statement
 * instead of running it and answers `answer`, so the test checks the production SQL text itself.
 * `analyze`: EXPLAIN ANALYZE, which also runs the statement and counts the rows each node read.
 */
export async function planNodesOf(
  dataSource: DataSource,
  run: (manager: EntityManager) => Promise<unknown>,
  answer: unknown[] = [],
  { analyze = false }: { analyze?: boolean } = {},
): Promise<PlanNode[]> {
  let plan: PlanNode | undefined;
  const explaining = {
    query: async (sql: string, parameters?: unknown[]) => {
      [{ 'QUERY PLAN': [{ Plan: plan }] }] = await dataSource.query(`EXPLAIN (${analyze ? 'ANALYZE, ' : ''}FORMAT JSON) ${sql}`, parameters);
      return answer;
    },
  } as unknown as EntityManager;
  await run(explaining);
  if (plan === undefined) throw new Error('the function sent no statement to explain');
  return flatten(plan);
}

const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];

/**
 * How many rows of `table` the statements of `work` updated in `manager`'s transaction, and how
 * many of those updates were HOT (the new version on the same page, no index entry): this
 * backend's own counts, read before and after, since the server's statistics arrive later.
 */
export async function updatesOf(manager: EntityManager, table: string, work: () => Promise<unknown>): Promise<{ updated: number; hot: number }> {
  const counts = async (): Promise<{ updated: number; hot: number }> =>
    (
      await manager.query(
        `SELECT pg_stat_get_xact_tuples_updated($1::regclass)::int AS updated, pg_stat_get_xact_tuples_hot_updated($1::regclass)::int AS hot`,
        [table],
      )
    )[0];
  const before = await counts();
  await work();
  const after = await counts();
  return { updated: after.updated - before.updated, hot: after.hot - before.hot };
}
