import { describe, expect, it } from 'vitest';
import { main as quickstart } from '../examples/quickstart';

describe('examples', () => {
  it('quickstart archives a ticket with a 9-entry audit trail and a refused high-risk close', async () => {
    const lines: string[] = [];
    const { ticket, history } = await quickstart((l) => lines.push(l));
    expect(ticket.status).toBe('archived');
    expect(history.map((e) => e.action)).toEqual([
      'create',
      'assign',
      'transition',
      'comment',
      'transition',
      'comment',
      'transition',
      'transition',
      'transition',
    ]);
    expect(history.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(lines.some((l) => l.includes('refused (permission_denied)'))).toBe(true);
    expect(history[7]?.actor.id).toBe('zhang.min');
    expect(lines.join('\n')).toContain('stateDiagram-v2');
  });
});
