import { createManualClock, createTicketing, dwellTimes } from 'ticketkit';
import { describe, expect, it } from 'vitest';

describe('dwellTimes', () => {
  it('sums the time in each state over every visit, up to now for the current one', async () => {
    const clock = createManualClock('2026-03-02T00:00:00Z');
    const desk = createTicketing({ clock });
    const actor = { id: 'a', roles: ['agent'] };
    const t = await desk.create({ title: 'x' }, { actor });
    clock.advance({ minutes: 10 });
    await desk.transition(t.id, 'in_progress', { actor });
    clock.advance({ minutes: 30 });
    await desk.transition(t.id, 'awaiting_feedback', { actor });
    clock.advance({ hours: 2 });
    await desk.comment(t.id, { body: 'ping' }, { actor }); // not a state change
    await desk.transition(t.id, 'in_progress', { actor });
    clock.advance({ minutes: 15 });
    const now = new Date(clock.now().getTime() + 5 * 60_000);
    expect(dwellTimes(await desk.history(t.id), now)).toEqual([
      { state: 'pending', ms: 10 * 60_000, visits: 1 },
      { state: 'in_progress', ms: (30 + 20) * 60_000, visits: 2 },
      { state: 'awaiting_feedback', ms: 120 * 60_000, visits: 1 },
    ]);
  });

  it('is empty for an empty trail', () => {
    expect(dwellTimes([], new Date())).toEqual([]);
  });
});
