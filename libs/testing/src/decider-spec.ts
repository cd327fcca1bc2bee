/**
 * Given / when / then over a decider, for unit specs that drive the production decision function
 * itself (never a copy of its orchestration written in the test).
 *
 *   const spec = deciderSpec({ decide, context: { now: T0 } });
 *   spec.given(state).when(command).then([expectedEvent], expectedState);
 *   spec.givenEvents([past]).when(command, { now: T1 }).then([]);       // needs evolve + initialState
 *
 * `decide(command, state, context)` may return `{ state, events }` (the state it leaves) or only
 * the events, the next state then being their fold through `evolve`. `then` runs the steps given
 * to `when` since the previous `then`, compares every event they emitted (in order) and, when
 * asked, the state they left, with Jest's `toEqual` (asymmetric matchers such as
 * `expect.objectContaining` work), and returns the scenario so that it can go on:
 * `.when(a).then([...]).when(b).then([...])`.
 */

export type Decided<S, E> = { readonly state: S; readonly events: readonly E[] } | readonly E[];

export interface DeciderUnderTest<C, S, E, X> {
  readonly decide: (command: C, state: S, context: X) => Decided<S, E>;
  /** Folds an event into the state: needed by `givenEvents` and by deciders that return only events. */
  readonly evolve?: (state: S, event: E) => S;
  /** The state before any event: needed by `givenEvents`. */
  readonly initialState?: () => S;
  /** The context each step decides in; `when(command, overrides)` replaces some of its fields for that step. */
  readonly context?: X;
  /**
   * How the world outside the decider answers an event it emitted (another service, a person):
   * the steps returned are decided at once, right after the step that emitted the event.
   */
  readonly reactions?: (event: E, context: X) => readonly Step<C, X>[];
}

export interface Step<C, X> {
  readonly command: C;
  readonly context?: Partial<X>;
}

export interface Scenario<C, S, E, X> {
  /** Adds a step: `command` decided in the spec's context with `context` laid over it. */
  when(command: C, context?: Partial<X>): Scenario<C, S, E, X>;
  /** Decides the pending steps and asserts what they emitted and, if given, the state they left. */
  then(expectedEvents: readonly unknown[], expectedState?: unknown): Scenario<C, S, E, X>;
  /** Decides the pending steps and asserts the whole result of the last one (`toMatchObject`). */
  thenLastDecision(expected: object): Scenario<C, S, E, X>;
  /** The state after the steps asserted so far. */
  readonly state: S;
}

export interface DeciderSpec<C, S, E, X> {
  given(state: S): Scenario<C, S, E, X>;
  givenEvents(events: readonly E[]): Scenario<C, S, E, X>;
}

export function deciderSpec<C, S, E, X = undefined>(decider: DeciderUnderTest<C, S, E, X>): DeciderSpec<C, S, E, X> {
  const fold = (state: S, events: readonly E[]): S => {
    if (events.length === 0) return state;
    if (!decider.evolve) throw new Error('deciderSpec: this decider returns only events, so the spec needs evolve');
    return events.reduce(decider.evolve, state);
  };

  const contextFor = (overrides?: Partial<X>): X =>
    overrides === undefined ? (decider.context as X) : ({ ...(decider.context as X), ...overrides } as X);

  interface Run {
    state: S;
    events: E[];
    last: unknown;
  }

  const decideStep = (run: Run, step: Step<C, X>): void => {
    const context = contextFor(step.context);
    const result = decider.decide(step.command, run.state, context);
    const emitted = isEventList(result) ? result : result.events;
    run.state = isEventList(result) ? fold(run.state, result) : result.state;
    run.last = result;
    for (const event of emitted) {
      run.events.push(event);
      for (const reaction of decider.reactions?.(event, context) ?? []) decideStep(run, reaction);
    }
  };

  const scenario = (state: S, pending: readonly Step<C, X>[]): Scenario<C, S, E, X> => {
    const run = (): Run => {
      const r: Run = { state, events: [], last: undefined };
      for (const step of pending) decideStep(r, step);
      return r;
    };
    return {
      state,
      when: (command, context) => scenario(state, [...pending, { command, context }]),
      then: (expectedEvents, expectedState) => {
        const r = run();
        expect(r.events).toEqual(expectedEvents);
        if (expectedState !== undefined) expect(r.state).toEqual(expectedState);
        return scenario(r.state, []);
      },
      thenLastDecision: (expected) => {
        if (pending.length === 0) throw new Error('deciderSpec: thenLastDecision needs a step: call when() first');
        const r = run();
        expect(r.last).toMatchObject(expected);
        return scenario(r.state, []);
      },
    };
  };

  return {
    given: (state) => scenario(state, []),
    givenEvents: (events) => {
      if (!decider.initialState || !decider.evolve) throw new Error('deciderSpec: givenEvents needs initialState and evolve');
      return scenario(events.reduce(decider.evolve, decider.initialState()), []);
    },
  };
}

function isEventList<S, E>(result: Decided<S, E>): result is readonly E[] {
  return Array.isArray(result);
}
