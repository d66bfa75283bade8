/**
 * Where a system finds its live cells by path. Most cells are found by walking the tree of
 * children from the root guardian, as Akka does: no global index to keep, so spawning a million
 * actors costs no map entry per actor. The exceptions are cells whose parent lives in another
 * runtime (started here for a parent on a thread or a node): they are *hosted*, kept by path, and
 * a path below one is walked from it.
 * It also remembers the paths of the last few thousand cells that stopped, so that a message from
 * another runtime for one of them is refused at once rather than held for a spawn on its way.
 * Owns: the hosted cells, the count of live cells, the recently stopped paths. May not touch: the
 * cells themselves.
 * @internal
 */
import { ActorCell } from '../actor/ActorCell.js';

/** How many stopped paths {@link CellDirectory.stoppedLately} remembers. */
const ENDED_KEPT = 4096;

export class CellDirectory {
  /** The root guardian, set once it exists. */
  root: ActorCell | undefined;
  /** Live cells, the guardian not counted. */
  live = 0;
  /** The runtime's own cells (`system/…`, such as introspection): not actors of the user tree, not counted. */
  readonly systemCells = new Map<string, ActorCell>();
  /** Cells whose parent lives in another runtime, by path. */
  private readonly hosted = new Map<string, ActorCell>();
  /** Paths of recently stopped cells → their slot in {@link endedRing} (bounded by its length). */
  private readonly ended = new Map<string, number>();
  private readonly endedRing: (string | undefined)[] = new Array(ENDED_KEPT);
  private endedNext = 0;

  /** True when a cell lived at `path` and stopped lately (and none lives there now). */
  stoppedLately(path: string): boolean {
    return this.ended.size !== 0 && this.ended.has(path);
  }

  /** The live cell at `path`, if any. */
  cellAt(path: string): ActorCell | undefined {
    if (path.startsWith('system/')) return this.systemCells.get(path);
    const cell = (this.hosted.size === 0 ? undefined : this.hosted.get(path)) ?? this.walk(path);
    return cell === undefined || cell.isTerminated() ? undefined : cell;
  }

  /** The cell at `path`, walking children from the guardian, or from a hosted cell that is a prefix of it. */
  private walk(path: string): ActorCell | undefined {
    if (!path.startsWith('user') || this.root === undefined) return undefined;
    const found = descend(this.root, path, 4);
    if (found !== undefined || this.hosted.size === 0) return found;
    // Below a cell whose parent lives elsewhere: find the longest hosted prefix.
    for (let j = path.lastIndexOf('/'); j > 4; j = path.lastIndexOf('/', j - 1)) {
      const root = this.hosted.get(path.slice(0, j));
      if (root !== undefined) return descend(root, path, j);
    }
    return undefined;
  }

  register(cell: ActorCell): void {
    if (cell.parentCell === null) return; // the guardian
    this.live++;
    if (this.ended.size !== 0) this.ended.delete(cell.path);
    if (!(cell.parentCell instanceof ActorCell)) this.hosted.set(cell.path, cell);
  }

  unregister(cell: ActorCell): void {
    if (cell.parentCell === null) return;
    this.live--;
    const slot = this.endedNext;
    const old = this.endedRing[slot];
    if (old !== undefined && this.ended.get(old) === slot) this.ended.delete(old);
    this.endedRing[slot] = cell.path;
    this.ended.set(cell.path, slot);
    this.endedNext = (slot + 1) % ENDED_KEPT;
    if (!(cell.parentCell instanceof ActorCell) && this.hosted.get(cell.path) === cell)
      this.hosted.delete(cell.path);
  }

  /** Every live cell: the guardian's tree and the trees of hosted cells. */
  list(): ActorCell[] {
    const out: ActorCell[] = [];
    const visit = (c: ActorCell) => {
      if (c.childCells === null) return;
      for (const child of c.childCells.values()) {
        if (!(child instanceof ActorCell) || child.isTerminated()) continue;
        out.push(child);
        visit(child);
      }
    };
    if (this.root !== undefined) visit(this.root);
    for (const h of this.hosted.values()) {
      if (h.isTerminated()) continue;
      out.push(h);
      visit(h);
    }
    return out;
  }
}

/** The descendant of `from` at `path`, whose first `start` characters are `from`'s own path. */
function descend(from: ActorCell, path: string, start: number): ActorCell | undefined {
  let cell = from;
  let i = start;
  while (i < path.length) {
    if (path.charCodeAt(i) !== 47 /* '/' */) return undefined;
    const j = path.indexOf('/', i + 1);
    const child = cell.childCells?.get(j === -1 ? path.slice(i + 1) : path.slice(i + 1, j));
    if (!(child instanceof ActorCell)) return undefined;
    cell = child;
    if (j === -1) return cell;
    i = j;
  }
  return cell;
}
