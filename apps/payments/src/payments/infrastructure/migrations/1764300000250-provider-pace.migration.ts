import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `provider_pace`: the token bucket every payments instance takes its provider calls from (one
 * row per limiter, e.g. `stripe`): tokens (negative = calls already promised a later slot), the
 * current AIMD rate, the configured budget (`max_rate`), `burst`, `floor_rate`,
 * `increase_per_second` (fraction of the budget added back per second without a 429), and the
 * database-clock times of the last change and of the last decrease. See domain/provider-pace.ts.
 */
export class ProviderPace1764300000250 implements MigrationInterface {
  name = 'ProviderPace1764300000250';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE provider_pace (
        limiter text PRIMARY KEY,
        tokens double precision NOT NULL,
        rate double precision NOT NULL CHECK (rate > 0),
        max_rate double precision NOT NULL CHECK (max_rate > 0),
        burst double precision NOT NULL CHECK (burst >= 1),
        floor_rate double precision NOT NULL CHECK (floor_rate > 0),
        increase_per_second double precision NOT NULL CHECK (increase_per_second >= 0),
        updated_at timestamptz NOT NULL,
        decreased_at timestamptz NOT NULL DEFAULT '-infinity'
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE provider_pace');
  }
}
