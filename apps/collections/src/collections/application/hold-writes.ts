import { EntityManager } from 'typeorm';
import { CollectionsEvent } from '../domain/dunning-decider';
import { AccountHoldState, ActiveHold } from '../domain/hold';
import { HoldChange, StoredHoldState, saveHolds } from '../infrastructure/account-hold.repository';

/**
 * The hold rows one transaction writes, gathered from the hold events the deciders returned: the
 * accounts' active holds and each placed or released hold's history row (one row when a hold is
 * placed and released in the same batch). A release is filed under the run of the hold it ends.
 */
export class HoldWrites {
  private readonly active = new Map<string, { hold: ActiveHold | null; correlationId: string | null }>();
  private readonly changes = new Map<string, HoldChange>();
  /** accountId → the run (correlation id) of its active hold, as loaded and as changed since. */
  private readonly heldUnder = new Map<string, string | null>();

  constructor(loaded: ReadonlyMap<string, StoredHoldState>) {
    for (const [accountId, stored] of loaded) this.heldUnder.set(accountId, stored.correlationId);
  }

  /** What `event` did to the hold; `after` is the account's hold state the decision returned. */
  record(event: CollectionsEvent, after: AccountHoldState, correlationId: string): void {
    const { accountId } = after;
    if (event.type === 'AccountHoldPlaced') {
      const hold = after.activeHold?.holdId === event.payload.holdId ? after.activeHold : this.fromHistory(after, event.payload.holdId);
      this.heldUnder.set(accountId, correlationId);
      this.active.set(accountId, { hold, correlationId });
      this.changes.set(hold.holdId, { accountId, hold, correlationId, release: null });
    } else if (event.type === 'AccountHoldReleased') {
      const released = this.fromHistory(after, event.payload.holdId);
      const heldUnder = this.changes.get(released.holdId)?.correlationId ?? this.heldUnder.get(accountId) ?? correlationId;
      this.heldUnder.set(accountId, null);
      this.active.set(accountId, { hold: null, correlationId: null });
      this.changes.set(released.holdId, { accountId, hold: released, correlationId: heldUnder, release: released });
    }
  }

  save(manager: EntityManager): Promise<void> {
    return saveHolds(manager, this.active, [...this.changes.values()]);
  }

  private fromHistory(state: AccountHoldState, holdId: string) {
    const hold = state.history.find((h) => h.holdId === holdId);
    if (!hold) throw new Error(`hold ${holdId} of account ${state.accountId} is neither active nor in its history`);
    return hold;
  }
}
