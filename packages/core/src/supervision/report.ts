/**
 * Supervision decisions on the event stream: one `supervision` event per decision, published
 * where the supervisor lives (costs nothing when nobody listens).
 * @internal
 */

import type { Directive } from '../api/supervision.js';
import { serializeError } from '../serializedError.js';
import type { ChildHandle, Supervisor } from './handles.js';

/** Publish what `parent` decided for `child` after `error`, and why it differs from the decider's (`note`). */
export function publishDecision(
  parent: Supervisor,
  child: ChildHandle,
  error: unknown,
  directive: Directive,
  note: string | undefined,
  delayMs: number | undefined,
): void {
  const events = parent.system.events;
  if (!events.listensTo('supervision')) return;
  events.publish({
    kind: 'supervision',
    actor: child.address,
    supervisor: parent.address,
    error: serializeError(error),
    directive,
    restartCount: child.restartCount,
    ...(note === undefined ? {} : { note }),
    ...(delayMs === undefined ? {} : { delayMs }),
  });
}
