import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Room on each page of `invoices` for the one update most invoices get after they are issued
 * (`collected_minor`, when the charge succeeds). At the default fill factor every page was full,
 * so each update wrote a new version elsewhere plus an entry in each of the four indexes; none of
 * them indexes what the update changes, so with room on the page it is a HOT update that touches
 * no index. In the 100,000-account close that UPDATE was the largest statement time (75.7 s in
 * 368 calls, against 4.4 s in 41 calls at 10,000: its cost per row grew with the indexes), and
 * 13 % of the updates were HOT. Pages written from now on keep 20 % free; existing pages are left
 * as they are.
 */
export class InvoicesRoomForUpdates1764300025100 implements MigrationInterface {
  name = 'InvoicesRoomForUpdates1764300025100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invoices SET (fillfactor = 80)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invoices RESET (fillfactor)`);
  }
}
