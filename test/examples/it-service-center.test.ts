import { beforeAll, describe, expect, it } from 'vitest';
import { main, type WeekResult } from '../../examples/it-service-center/center';

describe('it-service-center example: a week of a hospital IT centre (PGlite)', () => {
  let week: WeekResult;
  const lines: string[] = [];
  beforeAll(async () => {
    week = await main((l) => lines.push(l));
  }, 120_000);

  it('splits the incident into one child per team, each dispatched within its team', () => {
    expect(week.children.map((c) => [c.team, c.status, c.parentId])).toEqual([
      ['network', 'resolved', 'IT-1'],
      ['server', 'resolved', 'IT-1'],
      ['application', 'resolved', 'IT-1'],
    ]);
    expect(week.children.map((c) => c.assignee?.split('.')[0])).toEqual(['net', 'srv', 'app']);
  });

  it('refuses to close the incident while children are open', () => {
    expect(week.refused).toContain('3 child ticket(s) still open');
  });

  it('rolls the children up on the parent, again after the reopen', () => {
    expect(week.incident).toMatchObject({ status: 'resolved', reopenCount: 1 });
    const rollups = week.incidentHistory.filter((e) => e.meta?.rollup);
    expect(rollups.map((e) => [e.actor.id, e.at])).toEqual([
      ['system:rollup', '2026-03-09T01:45:00.000Z'], // 09:45, the network fix
      ['system:rollup', '2026-03-09T04:30:00.000Z'], // 12:30, the second network fix
    ]);
    for (const e of rollups) {
      const kids = e.meta!.rollup as { team: string; status: string }[];
      expect(kids.map((k) => k.status)).toEqual(['resolved', 'resolved', 'resolved']);
    }
    expect(week.children.find((c) => c.team === 'network')?.reopenCount).toBe(1);
  });

  it('reports response time, closure rate and reopens per team', () => {
    expect(week.perTeam).toEqual({
      // child 12 min, routine 20, 60, 10 → median 12; every ticket resolved
      application: {
        tickets: 4,
        medianResponseMinutes: 12,
        responseWithinSla: 1,
        closureRate: 1,
        reopens: 0,
      },
      // child 10 min, Wi-Fi 30, VLAN 90; the VLAN is still open; the child reopened once
      network: {
        tickets: 3,
        medianResponseMinutes: 30,
        responseWithinSla: 1,
        closureRate: 2 / 3,
        reopens: 1,
      },
      // the child answered after 30 min against an urgent 15-minute target
      server: {
        tickets: 3,
        medianResponseMinutes: 30,
        responseWithinSla: 2 / 3,
        closureRate: 2 / 3,
        reopens: 0,
      },
      'service-desk': {
        tickets: 1,
        medianResponseMinutes: 2,
        responseWithinSla: 1,
        closureRate: 1,
        reopens: 1,
      },
    });
    expect(week.report.overall.tickets).toBe(11);
  });
});
