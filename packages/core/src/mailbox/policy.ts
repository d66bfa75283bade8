/**
 * Mailbox options, checked in one place: a user's `spawn(…, { mailbox })` (refused with an error
 * that says what is allowed) and a spawn request from another runtime (untrusted input: anything
 * odd means unbounded, never a crash). The mailbox itself (`Mailbox.ts`) applies the policy.
 * Owns: the overflow policies and the capacity rule. May not touch: mailboxes or cells.
 */
import type { MailboxOptions, OverflowPolicy } from '../api/options.js';
import { InvalidOptionsError } from '../errors.js';

/** The overflow policies, as `MailboxOptions.overflow` names them. */
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['dropNewest', 'dropOldest', 'reject'];

const POLICIES: ReadonlySet<unknown> = new Set(OVERFLOW_POLICIES);

/** The default mailbox: unbounded (then the policy never applies). */
export const UNBOUNDED: Required<MailboxOptions> = Object.freeze({
  capacity: Number.POSITIVE_INFINITY,
  overflow: 'dropNewest',
});

/** Is `capacity` a bound a mailbox can have: a whole number ≥ 1? (Infinity is no bound.) */
function isBound(capacity: unknown): capacity is number {
  return typeof capacity === 'number' && Number.isInteger(capacity) && capacity >= 1;
}

/** A user's mailbox options, checked: what is wrong is refused with the allowed values. */
export function checkMailbox(m: MailboxOptions | undefined): Required<MailboxOptions> {
  if (m === undefined) return UNBOUNDED;
  const capacity = m.capacity ?? Number.POSITIVE_INFINITY;
  if (capacity !== Number.POSITIVE_INFINITY && !isBound(capacity)) {
    throw new InvalidOptionsError(
      `mailbox.capacity must be a whole number ≥ 1 (or Infinity), got ${String(m.capacity)}`,
    );
  }
  const overflow = m.overflow ?? 'dropNewest';
  if (!POLICIES.has(overflow)) {
    throw new InvalidOptionsError(
      `mailbox.overflow must be 'dropNewest', 'dropOldest' or 'reject', got ${String(m.overflow)}`,
    );
  }
  return capacity === Number.POSITIVE_INFINITY ? UNBOUNDED : { capacity, overflow };
}

/**
 * Mailbox options from another runtime (untrusted; JSON turns Infinity into null): a capacity
 * that is not a bound means unbounded, an unknown policy the default.
 */
export function wireMailbox(m: { capacity?: unknown; overflow?: unknown }): Required<MailboxOptions> {
  return {
    capacity: isBound(m.capacity) ? m.capacity : Number.POSITIVE_INFINITY,
    overflow: POLICIES.has(m.overflow) ? (m.overflow as OverflowPolicy) : 'dropNewest',
  };
}
