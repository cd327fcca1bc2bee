import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Room on each page of `sent_emails` for the outcome of the emails it holds. A batch inserts its
 * `pending` rows and, in the same transaction, records each one `sent` or `failed`: an update
 * that changes no indexed column, so with room on the page it is HOT (a new version beside the
 * old, no index entry). The old version cannot be pruned before that transaction commits, so a
 * page needs room for a second version of every row inserted into it, about half the page (rows
 * are ~370 bytes pending, ~410 sent). At the default fill factor 1 % of the updates were HOT, so
 * each wrote an entry in all four indexes, and the statement grew from 2.3 s at 10,000 accounts
 * to 33.4 s at 100,000 as the indexes grew. The table takes about twice the pages; pages written
 * from now on keep the room, existing pages are left as they are.
 */
export class SentEmailsRoomForOutcomes1764300031300 implements MigrationInterface {
  name = 'SentEmailsRoomForOutcomes1764300031300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sent_emails SET (fillfactor = 50)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sent_emails RESET (fillfactor)`);
  }
}
