import {
  createTicketing,
  defaultPolicy,
  definePolicy,
  PermissionError,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

describe('definePolicy', () => {
  it('validates rules and reports every problem', () => {
    try {
      definePolicy({
        rules: [
          { name: 'a', effect: 'allow', actions: ['read'] },
          { name: 'a', effect: 'allow', actions: ['read'] },
          { name: 'b', effect: 'maybe' as never, actions: ['fly' as never] },
          { name: 'c', effect: 'allow', actions: [], exceptRoles: ['admin'] },
        ],
      });
      expect.fail('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const err = e as ValidationError;
      expect(err.code).toBe('invalid_policy');
      expect(err.issues.map((i) => i.path.join('.'))).toEqual([
        'rules.1.name',
        'rules.2.effect',
        'rules.2.actions.0',
        'rules.3.actions',
        'rules.3.exceptRoles',
      ]);
    }
  });

  it('lets an app add its own rules; deny beats allow and the error names the rule', async () => {
    const policy = definePolicy({
      rules: [
        ...defaultPolicy.rules,
        {
          name: 'night-team-locked',
          effect: 'deny',
          actions: ['assign'],
          roles: ['agent'],
          when: (c) => c.ticket?.team === 'night',
          reason: 'night tickets are assigned by the shift lead',
        },
      ],
    });
    const desk = createTicketing({ policy });
    const agent = { id: 'a', roles: ['agent'] };
    const t = await desk.create({ title: 'x', team: 'night' }, { actor: agent });
    const e = await desk.assign(t.id, 'b', { actor: agent }).catch((x) => x);
    expect(e).toBeInstanceOf(PermissionError);
    expect(e).toMatchObject({
      code: 'permission_denied',
      rule: 'night-team-locked',
      action: 'assign',
      actorId: 'a',
    });
    expect(e.message).toContain('night tickets are assigned by the shift lead');
    expect((await desk.get(t.id))?.version).toBe(1);
  });
});
