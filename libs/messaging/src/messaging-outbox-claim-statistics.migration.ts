import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Statistics for the outbox's claim columns only. `MessagingOutboxStatistics` made the relay's
 * idle `ANALYZE outbox (id, published_at)` cheap, but its VACUUM ANALYZE after every fifth of
 * the outbox, and autovacuum's auto-analyse, still analysed every column at the default target:
 * 30,000 rows sampled and each envelope decompressed, for statistics no query uses (the outbox
 * is read only by its claim, by id and `published_at`, and pruned by `published_at`). On the
 * 20,000-row outbox of a 10,000-account close that was 150–200 ms an ANALYZE, against 20–27 ms
 * with the other columns left out (target 0: not analysed). At 100,000 accounts the sample's
 * 30,000 rows are spread over ten times the pages.
 */
export class MessagingOutboxClaimStatistics1764300031000 implements MigrationInterface {
  name = 'MessagingOutboxClaimStatistics1764300031000';

  private static readonly UNUSED = ['event_id', 'topic', 'partition_key', 'event_type', 'envelope', 'created_at'];

  async up(q: QueryRunner): Promise<void> {
    const columns = MessagingOutboxClaimStatistics1764300031000.UNUSED;
    await q.query(`ALTER TABLE outbox ${columns.map((c) => `ALTER COLUMN ${c} SET STATISTICS 0`).join(', ')}`);
  }

  async down(q: QueryRunner): Promise<void> {
    const columns = MessagingOutboxClaimStatistics1764300031000.UNUSED;
    await q.query(`ALTER TABLE outbox ${columns.map((c) => `ALTER COLUMN ${c} SET STATISTICS -1`).join(', ')}`);
  }
}
