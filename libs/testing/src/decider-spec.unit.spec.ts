import { deciderSpec } from './decider-spec';

/** A tiny wallet: deposits are refused above a limit taken from the context; each one is stamped with the context's time. */
type Command = { type: 'Deposit'; amount: number } | { type: 'Withdraw'; amount: number };
type Event = { type: 'Deposited'; amount: number; at: string } | { type: 'Withdrawn'; amount: number; at: string };
interface Wallet {
  balance: number;
}
interface Context {
  now: string;
  limit: number;
}

const evolve = (state: Wallet, event: Event): Wallet => ({
  balance: state.balance + (event.type === 'Deposited' ? event.amount : -event.amount),
});

/** The shape the collections deciders have: the new state comes back with the events. */
function decide(command: Command, state: Wallet, { now, limit }: Context): { state: Wallet; events: Event[]; refused: string | null } {
  if (command.type === 'Deposit' && command.amount > limit) return { state, events: [], refused: 'over_limit' };
  if (command.type === 'Withdraw' && command.amount > state.balance) return { state, events: [], refused: 'insufficient' };
  const event: Event = { type: command.type === 'Deposit' ? 'Deposited' : 'Withdrawn', amount: command.amount, at: now };
  return { state: evolve(state, event), events: [event], refused: null };
}

/** The Emmett shape: only events; the spec folds them through evolve. */
const decideEvents = (command: Command, state: Wallet, context: Context): Event[] => decide(command, state, context).events;

const context: Context = { now: 'T0', limit: 100 };

describe('deciderSpec', () => {
  it('passes when the decider emits the expected events and leaves the expected state', () => {
    deciderSpec({ decide, context })
      .given({ balance: 10 })
      .when({ type: 'Deposit', amount: 5 })
      .then([{ type: 'Deposited', amount: 5, at: 'T0' }], { balance: 15 });
  });

  it('fails when an expected event differs from what the decider emitted', () => {
    const scenario = deciderSpec({ decide, context }).given({ balance: 10 }).when({ type: 'Deposit', amount: 5 });
    expect(() => scenario.then([{ type: 'Deposited', amount: 6, at: 'T0' }])).toThrow(/toEqual/);
    expect(() => scenario.then([])).toThrow(/toEqual/);
  });

  it('fails when the state left differs from the expected one', () => {
    const scenario = deciderSpec({ decide, context }).given({ balance: 10 }).when({ type: 'Deposit', amount: 5 });
    expect(() => scenario.then([{ type: 'Deposited', amount: 5, at: 'T0' }], { balance: 14 })).toThrow(/toEqual/);
  });

  it('lays per-step context over the spec context', () => {
    deciderSpec({ decide, context })
      .given({ balance: 0 })
      .when({ type: 'Deposit', amount: 150 })
      .when({ type: 'Deposit', amount: 150 }, { limit: 200, now: 'T1' })
      .then([{ type: 'Deposited', amount: 150, at: 'T1' }], { balance: 150 });
  });

  it('folds given events and events-only decisions through evolve', () => {
    const spec = deciderSpec({ decide: decideEvents, evolve, initialState: () => ({ balance: 0 }), context });
    spec
      .givenEvents([{ type: 'Deposited', amount: 30, at: 'T0' }])
      .when({ type: 'Withdraw', amount: 20 })
      .then([{ type: 'Withdrawn', amount: 20, at: 'T0' }], { balance: 10 });
    expect(() => spec.givenEvents([]).when({ type: 'Withdraw', amount: 1 }).then([{ type: 'Withdrawn', amount: 1, at: 'T0' }])).toThrow(
      /toEqual/,
    );
  });

  it('refuses givenEvents without evolve and initialState', () => {
    expect(() => deciderSpec({ decide, context }).givenEvents([])).toThrow(/needs initialState and evolve/);
  });

  it('asserts each then only over the steps since the previous one, going on from the state they left', () => {
    const after = deciderSpec({ decide, context })
      .given({ balance: 0 })
      .when({ type: 'Deposit', amount: 40 })
      .then([{ type: 'Deposited', amount: 40, at: 'T0' }])
      .when({ type: 'Withdraw', amount: 15 })
      .then([{ type: 'Withdrawn', amount: 15, at: 'T0' }], { balance: 25 });
    expect(after.state).toEqual({ balance: 25 });
  });

  it('decides the reactions of the outside world right after the event that caused them', () => {
    // the outside world takes half of every deposit back out, one tick later
    const reactions = (event: Event, ctx: Context) =>
      event.type === 'Deposited'
        ? [{ command: { type: 'Withdraw', amount: event.amount / 2 } as Command, context: { now: `${ctx.now}+1` } }]
        : [];
    deciderSpec({ decide, context, reactions })
      .given({ balance: 0 })
      .when({ type: 'Deposit', amount: 10 })
      .when({ type: 'Deposit', amount: 4 }, { now: 'T2' })
      .then(
        [
          { type: 'Deposited', amount: 10, at: 'T0' },
          { type: 'Withdrawn', amount: 5, at: 'T0+1' },
          { type: 'Deposited', amount: 4, at: 'T2' },
          { type: 'Withdrawn', amount: 2, at: 'T2+1' },
        ],
        { balance: 7 },
      );
  });

  it('matches the whole last decision, and fails when it differs', () => {
    const scenario = deciderSpec({ decide, context }).given({ balance: 1 }).when({ type: 'Withdraw', amount: 5 });
    scenario.thenLastDecision({ events: [], refused: 'insufficient', state: { balance: 1 } });
    expect(() => scenario.thenLastDecision({ refused: 'over_limit' })).toThrow(/toMatchObject/);
  });

  it('accepts asymmetric matchers in the expectations', () => {
    deciderSpec({ decide, context })
      .given({ balance: 0 })
      .when({ type: 'Deposit', amount: 3 })
      .then([expect.objectContaining({ type: 'Deposited' })], { balance: expect.any(Number) });
  });
});
