import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A small statistics sample for the outbox's claim columns. The relay analyses `outbox (id,
 * published_at)` whenever it goes idle after a burst, so the claim stays planned on its partial
 * index; ANALYZE samples 300 × the columns' statistics target rows, and at the default target
 * (100: 30,000 rows) that read the whole outbox of a 10,000-account close every time, 125–155 ms
 * quiet and ~660 ms during a close. The claim needs one fact from the statistics — almost every
 * row is published — which 3,000 rows show as well as 30,000: 7–28 ms.
 */
export class MessagingOutboxStatistics1764300030000 implements MigrationInterface {
  name = 'MessagingOutboxStatistics1764300030000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox ALTER COLUMN id SET STATISTICS 10, ALTER COLUMN published_at SET STATISTICS 10`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox ALTER COLUMN id SET STATISTICS -1, ALTER COLUMN published_at SET STATISTICS -1`);
  }
}
