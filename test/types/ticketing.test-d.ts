import {
  createTicketing,
  type Decision,
  type DefaultStatus,
  defineWorkflow,
  type ErrorCode,
  type StatusOf,
  type Ticket,
  type TicketkitError,
} from 'ticketkit';
import { describe, expectTypeOf, it } from 'vitest';

describe('public types', () => {
  it('types the default desk by the default workflow', () => {
    const desk = createTicketing();
    expectTypeOf(desk.transition).parameter(1).toEqualTypeOf<DefaultStatus>();
    expectTypeOf(desk.get).returns.resolves.toEqualTypeOf<Ticket<DefaultStatus> | null>();
    desk.on('ticket.transitioned', (e) => {
      expectTypeOf(e.from).toEqualTypeOf<DefaultStatus>();
      expectTypeOf(e.ticket.status).toEqualTypeOf<DefaultStatus>();
    });
    // @ts-expect-error: not a state of the default workflow
    void desk.transition('x', 'closed', { actor: { id: 'a', roles: [] } });
    // @ts-expect-error: unknown event name
    desk.on('ticket.exploded', () => {});
  });

  it('types a custom desk by its workflow’s states', () => {
    const wf = defineWorkflow({
      initial: 'draft',
      states: { draft: { to: ['live'] }, live: { terminal: true } },
    });
    expectTypeOf<StatusOf<typeof wf>>().toEqualTypeOf<'draft' | 'live'>();
    const desk = createTicketing({ workflow: wf });
    expectTypeOf(desk.transition).parameter(1).toEqualTypeOf<'draft' | 'live'>();
  });

  it('rejects unknown states in a workflow definition at compile time', () => {
    defineWorkflow({
      initial: 'a',
      // @ts-expect-error: 'b' is not a state
      states: { a: { to: ['b'] } },
    });
  });

  it('exposes stable error codes and decision unions', () => {
    expectTypeOf<TicketkitError['code']>().toEqualTypeOf<ErrorCode>();
    const d = {} as Decision;
    if (!d.allowed) expectTypeOf(d.reason).toBeString();
  });
});
