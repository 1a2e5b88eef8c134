import { beforeAll, describe, expect, it } from 'vitest';
import { main, type ProductionWeek } from '../../examples/production-orders/production';

describe('production-orders example: work orders through approval and process steps', () => {
  let week: ProductionWeek;
  const lines: string[] = [];
  beforeAll(async () => {
    week = await main((l) => lines.push(l));
  }, 60_000);

  it('holds the release until the approval path is done', () => {
    expect(lines).toContainEqual(
      expect.stringMatching(/WO-1 release refused \(invalid_transition\).*"approval:release"/),
    );
    expect(week.orders.map((o) => [o.id, o.status, o.reopenCount])).toEqual([
      ['WO-1', 'warehoused', 1], // one rework after the first inspection
      ['WO-2', 'draft', 0], // rejected by the budget review, sent back to draft
    ]);
  });

  it('runs head → technical ∥ budget → plant manager, with a nudge and a delegate', () => {
    const [inst] = week.approvals['WO-1']!;
    expect(inst!.state).toBe('approved');
    expect(inst!.decisions.map((d) => [d.step, d.actorId, d.onBehalfOf ?? null, d.at])).toEqual([
      [0, 'head.liu', null, '2026-03-02T01:30:00.000Z'],
      [1, 'tech.ma', null, '2026-03-02T02:00:00.000Z'], // the two reviews of step 1 in parallel
      [1, 'fin.song', null, '2026-03-02T08:00:00.000Z'],
      [2, 'mgr.deputy', 'mgr.chen', '2026-03-03T08:30:00.000Z'],
    ]);
    expect(inst!.steps.map((s) => [s.nudges, s.delegatedTo])).toEqual([
      [0, [null]],
      [1, [null, null]], // the second nudge, an hour after the first, was refused
      [0, ['mgr.deputy']],
    ]);
    expect(week.events).toEqual([
      '3/2 08:30 WO-1 requested notify head.liu',
      '3/2 08:30 WO-2 requested notify head.liu',
      '3/2 09:30 WO-1 decided head.liu approves',
      '3/2 09:30 WO-1 requested notify tech.ma, fin.song',
      '3/2 09:30 WO-2 decided head.liu approves',
      '3/2 09:30 WO-2 requested notify tech.ma, fin.song',
      '3/2 10:00 WO-1 decided tech.ma approves',
      '3/2 10:00 WO-2 decided tech.ma approves',
      '3/2 11:00 WO-2 decided fin.song rejects',
      '3/2 11:00 WO-2 completed rejected',
      '3/2 14:00 WO-1 nudged notify fin.song',
      '3/2 16:00 WO-1 decided fin.song approves',
      '3/2 16:00 WO-1 requested notify mgr.chen',
      // 8 working hours after 16:00 Monday: 1 h Monday, 7 h Tuesday (lunch excluded)
      '3/3 16:00 WO-1 delegated mgr.chen → mgr.deputy',
      '3/3 16:30 WO-1 decided mgr.deputy for mgr.chen approves',
      '3/3 16:30 WO-1 completed approved',
    ]);
    expect(lines).toContain(
      '  3/2 15:00 WO-1 plan.wu nudges again: refused (nudge_rate_limited), next at 18:00:00',
    );
  });

  it('reports the dwell time per step from the audit trail', () => {
    expect(week.dwell['WO-1']).toEqual({
      draft: 0,
      approval: 32, // Mon 08:30 → Tue 16:30
      released: 15.5,
      cutting: 5,
      machining: 40, // two visits: 21 h, then 19 h after the rework
      welding: 8, // 5 h + 3 h
      inspection: 3, // 1 h + 2 h
      warehoused: 20, // until Saturday noon
    });
    expect(week.dwell['WO-2']).toEqual({ draft: 121, approval: 2.5 });
    expect(week.meanHours).toEqual({
      draft: 60.5,
      approval: 17.3,
      released: 15.5,
      cutting: 5,
      machining: 40,
      welding: 8,
      inspection: 3,
    });
  });

  it('renders the workflow diagram from its definition', () => {
    expect(week.mermaid.split('\n')).toEqual(
      expect.arrayContaining([
        'stateDiagram-v2',
        '  machining : machining (机加工)',
        '  [*] --> draft',
        '  approval --> released : approved',
        '  inspection --> warehoused : [qc-pass]',
        '  inspection --> machining : rework',
        '  warehoused --> [*]',
      ]),
    );
    expect(week.mermaid.split('\n').filter((l) => l.includes('-->'))).toHaveLength(11); // start, 9 moves, end
  });
});
