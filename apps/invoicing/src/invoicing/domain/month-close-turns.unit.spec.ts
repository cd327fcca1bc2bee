import { RunBackoff, nextBackoff, turnOrder } from './month-close-turns';

describe('each due month-close run gets its turn', () => {
  const none = new Map<string, RunBackoff>();

  it('given three due runs, when the first was served last, then the next turn starts with the second and comes back round', () => {
    expect(turnOrder(['a', 'b', 'c'], null, none, 0)).toEqual(['a', 'b', 'c']);
    expect(turnOrder(['a', 'b', 'c'], 'a', none, 0)).toEqual(['b', 'c', 'a']);
    expect(turnOrder(['a', 'b', 'c'], 'c', none, 0)).toEqual(['a', 'b', 'c']);
  });

  it('given the run served last is no longer due, when ordering, then the due runs are taken from the start', () => {
    expect(turnOrder(['b', 'c'], 'a', none, 0)).toEqual(['b', 'c']);
  });

  it('given a run whose pages keep throwing, when ordering before its backoff ends, then it is left out and the others go on', () => {
    let backoff = nextBackoff(undefined, 1000, 50, 30_000);
    expect(backoff).toEqual({ failures: 1, until: 1050 });
    backoff = nextBackoff(backoff, 1050, 50, 30_000);
    expect(backoff).toEqual({ failures: 2, until: 1150 });
    const backoffs = new Map([['a', backoff]]);
    expect(turnOrder(['a', 'b'], null, backoffs, 1100)).toEqual(['b']);
    expect(turnOrder(['a', 'b'], null, backoffs, 1150)).toEqual(['a', 'b']);
  });

  it('given many failures, when backing off, then the wait stops growing at the maximum', () => {
    let backoff: RunBackoff | undefined;
    for (let i = 0; i < 40; i++) backoff = nextBackoff(backoff, 0, 50, 30_000);
    expect(backoff).toEqual({ failures: 40, until: 30_000 });
  });
});
