import {
  createTicketing,
  defaultWorkflow,
  defineWorkflow,
  TransitionError,
  ValidationError,
  workflowToMermaid,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

describe('defaultWorkflow', () => {
  it('allows exactly the documented moves', () => {
    const allowed = new Set([
      'pending>in_progress',
      'in_progress>awaiting_feedback',
      'awaiting_feedback>in_progress',
      'in_progress>resolved',
      'awaiting_feedback>resolved',
      'resolved>archived',
      'resolved>in_progress',
    ]);
    for (const from of defaultWorkflow.states) {
      for (const to of defaultWorkflow.states) {
        expect(defaultWorkflow.move(from, to) !== undefined, `${from} > ${to}`).toBe(
          allowed.has(`${from}>${to}`),
        );
      }
    }
    expect(defaultWorkflow.move('resolved', 'in_progress')?.reopen).toBe(true);
    expect(defaultWorkflow.isTerminal('archived')).toBe(true);
    expect(defaultWorkflow.kindOf('awaiting_feedback')).toBe('waiting');
    expect(defaultWorkflow.kindOf('resolved')).toBe('resolved');
    expect(defaultWorkflow.kindOf('archived')).toBe('closed');
  });
});

describe('defineWorkflow validates the definition itself', () => {
  const expectIssues = (fn: () => unknown, codes: string[]) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const err = e as ValidationError;
      expect(err.code).toBe('invalid_workflow');
      expect(err.issues.map((i) => i.code).sort()).toEqual([...codes].sort());
      return err;
    }
    return expect.fail('expected a ValidationError');
  };

  it('reports an unknown target state with its path', () => {
    const e = expectIssues(
      () =>
        defineWorkflow({
          initial: 'a',
          states: { a: { to: ['b' as 'a'] }, c: { terminal: true } },
        } as never),
      ['unknown_state', 'unreachable_state'],
    );
    expect(e.issues.find((i) => i.code === 'unknown_state')?.path).toEqual([
      'states',
      'a',
      'to',
      0,
    ]);
  });

  it('reports an unknown initial state', () => {
    expectIssues(
      () => defineWorkflow({ initial: 'x' as never, states: { a: { terminal: true } } }),
      ['unknown_state'],
    );
  });

  it('reports unreachable states, dead ends, self moves, duplicates and terminal states with moves', () => {
    const e = expectIssues(
      () =>
        defineWorkflow({
          id: 'broken',
          initial: 'open',
          states: {
            open: { to: ['work', 'work', 'open'] },
            work: {},
            done: { terminal: true, to: ['open'] },
          },
        }),
      ['duplicate_move', 'self_move', 'dead_end', 'unreachable_state', 'terminal_with_moves'],
    );
    expect(e.message).toContain('defineWorkflow("broken")');
    expect(e.message).toContain('mark it "terminal: true"');
  });

  it('rejects state names that are not identifiers and guards without a name', () => {
    expectIssues(
      () =>
        defineWorkflow({
          initial: 'a',
          states: { a: { to: [{ to: 'b b', guard: { name: '' } }] }, 'b b': { terminal: true } },
        }),
      ['invalid_value', 'required'],
    );
  });
});

describe('custom workflows in the desk', () => {
  const changeRequest = defineWorkflow({
    id: 'change-request',
    initial: 'draft',
    states: {
      draft: { to: ['review'] },
      review: {
        to: [
          { to: 'approved', guard: { name: 'cab-approval', roles: ['supervisor'] } },
          { to: 'draft', label: 'send back' },
        ],
      },
      approved: {
        to: [
          {
            to: 'implemented',
            guard: {
              name: 'has-plan',
              when: ({ ticket }) => (ticket.custom.plan ? true : 'attach a rollback plan first'),
            },
          },
        ],
      },
      implemented: { terminal: true, kind: 'closed' },
    },
  });

  it('enforces role guards and predicate guards with reasons', async () => {
    const desk = createTicketing({ workflow: changeRequest });
    const agent = { id: 'a', roles: ['agent'] };
    const sup = { id: 's', roles: ['supervisor'] };
    const t = await desk.create({ title: 'Upgrade core switch' }, { actor: agent });
    expect(t.status).toBe('draft');
    await desk.transition(t.id, 'review', { actor: agent });
    await expect(desk.transition(t.id, 'approved', { actor: agent })).rejects.toMatchObject({
      code: 'invalid_transition',
      guard: 'cab-approval',
    });
    await desk.transition(t.id, 'approved', { actor: sup });
    const e = await desk.transition(t.id, 'implemented', { actor: sup }).catch((x) => x);
    expect(e).toBeInstanceOf(TransitionError);
    expect(e.message).toContain('attach a rollback plan first');
    await desk.update(t.id, { custom: { plan: 'revert config' } }, { actor: sup });
    const done = await desk.transition(t.id, 'implemented', { actor: sup });
    expect(done.status).toBe('implemented');
    const h = await desk.history(t.id);
    expect(h.at(-1)?.meta).toEqual({ guard: 'has-plan' });
  });

  it('renders a Mermaid diagram with labels and guards', () => {
    const m = workflowToMermaid(changeRequest);
    expect(m).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> draft',
        '  draft --> review',
        '  review --> approved : [cab-approval]',
        '  review --> draft : send back',
        '  approved --> implemented : [has-plan]',
        '  implemented --> [*]',
        '',
      ].join('\n'),
    );
  });
});
