import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes the retention prune walks: published outbox rows by publication time (partial: the
 * unpublished rows, which the relay claims through `outbox_unpublished`, are never pruned) and
 * inbox ids by the time they were handled. Built CONCURRENTLY, outside a transaction, so a
 * service upgrading a large database does not block its writers while they build.
 */
export class MessagingRetention1764300020000 implements MigrationInterface {
  name = 'MessagingRetention1764300020000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL`);
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS inbox_handled_at ON inbox (handled_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX CONCURRENTLY IF EXISTS inbox_handled_at');
    await q.query('DROP INDEX CONCURRENTLY IF EXISTS outbox_published_at');
  }
}
