import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Usage ids are the client's ids, so they are unique per account, not across all accounts:
 * account B may send an id account A once used, and both records are kept. The primary key
 * becomes (account_id, usage_id), which also serves the per-account usage listing.
 */
export class UsageIdPerAccount1764300000130 implements MigrationInterface {
  name = 'UsageIdPerAccount1764300000130';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE usage_records DROP CONSTRAINT usage_records_pkey`);
    await q.query(`ALTER TABLE usage_records ADD CONSTRAINT usage_records_pkey PRIMARY KEY (account_id, usage_id)`);
  }

  /** Fails, as it should, once two accounts hold the same usage id. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE usage_records DROP CONSTRAINT usage_records_pkey`);
    await q.query(`ALTER TABLE usage_records ADD CONSTRAINT usage_records_pkey PRIMARY KEY (usage_id)`);
  }
}
