/**
 * The root guardian: parent of every top-level actor. Its supervision options come from
 * `createActorSystem({ supervision })`; if it fails itself, the system's fatal policy applies.
 * @internal
 */

import type { CellSystem } from '../actor/ActorCell.js';
import { ActorCell } from '../actor/ActorCell.js';
import { Status } from '../actor/CellBase.js';
import type { Behaviour } from '../api/ActorSystem.js';

const GUARDIAN_MAILBOX = { capacity: Number.POSITIVE_INFINITY, overflow: 'dropNewest' } as const;

export function createGuardianCell(system: CellSystem, behaviour: Behaviour): ActorCell {
  const cell = new ActorCell(
    system,
    null,
    behaviour,
    undefined,
    'user',
    'user',
    GUARDIAN_MAILBOX,
    'permanent',
  );
  system.register(cell);
  // The guardian has no init work: it is running from the start.
  cell.status = Status.Running;
  return cell;
}
