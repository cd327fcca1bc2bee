import { maintenanceDue } from './maintenance';

describe('self-vacuum thresholds (autovacuum defaults)', () => {
  const table = (live: number, dead: number, modifiedSinceAnalyze = 0, insertedSinceVacuum = 0) => ({
    table: 't',
    live,
    dead,
    modifiedSinceAnalyze,
    insertedSinceVacuum,
  });

  it('vacuums a table once its dead rows pass 50 + 20 % of the live ones, not before', () => {
    expect(maintenanceDue(table(10_000, 2_050))).toBeNull();
    expect(maintenanceDue(table(10_000, 2_051))).toBe('vacuum');
  });

  it('vacuums an insert-only table after 1000 + 20 % inserts, and analyses one changed by 50 + 10 %', () => {
    expect(maintenanceDue(table(10_000, 0, 0, 3_001))).toBe('vacuum');
    expect(maintenanceDue(table(10_000, 0, 1_051, 3_000))).toBe('analyze');
    expect(maintenanceDue(table(10_000, 0, 1_050, 3_000))).toBeNull();
  });
});
