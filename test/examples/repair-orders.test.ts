import { beforeAll, describe, expect, it } from 'vitest';
import { type CheckIn, main, type RepairDay } from '../../examples/repair-orders/repair';

describe('repair-orders example: a day of field repair (PGlite)', () => {
  let day: RepairDay;
  const lines: string[] = [];
  const order = (id: string) => day.orders.find((t) => t.id === id)!;
  beforeAll(async () => {
    day = await main((l) => lines.push(l));
  }, 120_000);

  it('dispatches by skill, load and distance, and the score is the weighted sum', () => {
    expect(Object.entries(day.dispatched).map(([id, d]) => [id, d.agentId])).toEqual([
      ['RO-1', 'eng.zhou'],
      ['RO-2', 'eng.qian'],
      ['RO-3', 'eng.li'],
      ['RO-4', 'eng.zhou'], // Zhou's second order: half his capacity left, still ahead of Sun
    ]);
    // distance factor = 25 / (25 + km): the engineer's distance to the site, in km.
    const km = (id: string) => 25 / day.dispatched[id]!.breakdown.distance! - 25;
    expect(km('RO-1')).toBeCloseTo(5.27, 2); // People's Square → Xujiahui
    expect(km('RO-2')).toBeCloseTo(9.5, 1); // Lujiazui → Zhangjiang
    expect(km('RO-3')).toBeCloseTo(2.55, 2); // Jiading → the plant
    expect(km('RO-4')).toBeCloseTo(13.55, 2); // People's Square → Hongqiao
    expect(day.dispatched['RO-4']!.breakdown.load).toBe(0.5);
    for (const d of Object.values(day.dispatched)) {
      const b = d.breakdown;
      expect(d.score).toBe(0.4 * b.skill! + 0.2 * b.load! + 0.4 * b.distance!);
    }
  });

  it('keeps every check-in on the order as evidence, in order', () => {
    const kinds = (id: string) => (order(id).custom.checkIns as CheckIn[]).map((c) => c.kind);
    expect(kinds('RO-1')).toEqual(['gps', 'photo', 'voice']);
    expect(kinds('RO-2')).toEqual(['gps', 'voice', 'photo', 'photo']);
    expect(kinds('RO-3')).toEqual(['gps', 'photo']);
    expect(kinds('RO-4')).toEqual(['gps', 'photo']);
    expect((order('RO-1').custom.checkIns as CheckIn[])[0]).toEqual({
      kind: 'gps',
      lat: 31.1953,
      lng: 121.4371,
      at: '2026-03-03T00:45:00.000Z',
    });
    // Each check-in is a staff update, audited under the engineer's name.
    const updates = day.histories['RO-2']!.filter((e) => e.action === 'update');
    expect(updates.map((e) => e.actor.id)).toEqual([
      'eng.qian',
      'eng.qian',
      'eng.qian',
      'eng.qian',
    ]);
  });

  it('escalates to the supervisor when an order sits in progress for 2 hours without an update', () => {
    // Qian's last update on RO-2 was the 08:45 check-in: breach at 10:45, once.
    expect(day.escalations).toEqual([
      {
        ticketId: 'RO-2',
        at: '2026-03-03T02:45:00.000Z',
        rule: 'no-update',
        notify: ['supervisor'],
      },
    ]);
    expect(lines).toContain(
      '  10:45 ⚠ RO-2 no-update: no update from eng.qian for 2h → supervisor',
    );
  });

  it('lets only the supervisor close the high-risk order', () => {
    expect(day.refusal).toMatchObject({ code: 'permission_denied', rule: 'high-risk-close' });
    expect(day.refusal?.message).toContain('only a supervisor or admin may resolve');
    const resolved = day.histories['RO-1']!.filter((e) => e.changes.status?.to === 'resolved');
    expect(resolved.map((e) => [e.actor.id, e.at])).toEqual([
      ['sup.wang', '2026-03-03T02:00:00.000Z'],
    ]);
  });

  it('closes the loop with the customer: a "not fixed" reply sends the order back to work', () => {
    const moves = day.histories['RO-2']!.flatMap((e) =>
      e.changes.status ? [`${e.actor.id} ${e.changes.status.to}`] : [],
    );
    expect(moves).toEqual([
      'coord.gu pending',
      'eng.qian in_progress',
      'eng.qian awaiting_feedback',
      'eng.qian in_progress', // the customer: still -5 °C
      'eng.qian awaiting_feedback',
      'eng.qian resolved', // the customer: -18 °C
    ]);
    const customer = day.histories['RO-2']!.filter((e) => e.actor.id === 'o_canteen');
    expect(customer).toHaveLength(2);
    expect(day.orders.map((t) => [t.id, t.status])).toEqual([
      ['RO-1', 'resolved'],
      ['RO-2', 'resolved'],
      ['RO-3', 'resolved'],
      ['RO-4', 'resolved'],
    ]);
  });
});
