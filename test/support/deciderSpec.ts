import { decideCustomer, evolveCustomer, initialCustomerState, type CustomerCommand } from '../../src/commands/customer/decider.js';
import type { CustomerEvent } from '../../src/events/customerEvents.js';
import { expect } from 'vitest';
import { DomainError, type ErrorKind } from '../../src/shared/errors.js';

/** given(events).when(command).then(events): the domain tested without any I/O. */
export function deciderSpec<S, C, E>(decider: { decide: (c: C, s: S) => E[]; evolve: (s: S, e: E) => S; initial: () => S }) {
  return (given: E[]) => ({
    when: (command: C) => {
      const run = () => decider.decide(command, given.reduce(decider.evolve, decider.initial()));
      return {
        then: (expected: E[]) => expect(run()).toEqual(expected),
        thenFails: (kind: ErrorKind, code?: string) => {
          let caught: unknown;
          try {
            run();
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(DomainError);
          expect((caught as DomainError).kind).toBe(kind);
          if (code !== undefined) expect((caught as DomainError).code).toBe(code);
        },
      };
    },
  });
}

/** The customer aggregate's spec, shared by the decider tests of its several concerns. */
export const customerSpec = deciderSpec<ReturnType<typeof initialCustomerState>, CustomerCommand, CustomerEvent>({
  decide: decideCustomer,
  evolve: evolveCustomer,
  initial: initialCustomerState,
});
