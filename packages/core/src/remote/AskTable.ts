/**
 * The asks waiting for replies from one peer, by ask id. Ids are handed out in increasing order
 * (each table counts its own with {@link add}, so every slot is reachable),
 * so a table indexed by the id's low bits holds a window of them without hashing and without
 * allocating per ask (a `Map` of them reallocates its hash table as entries come and go, and that
 * garbage is most of what a busy pool collects). An old ask still waiting when a new id lands on
 * its slot moves to an overflow map; the table doubles when it is half full.
 * @internal
 */
export class AskTable<T> {
  private ids: number[];
  private values: (T | undefined)[];
  private mask: number;
  private readonly overflow = new Map<number, T>();
  /** Entries in the slots (the overflow map counts its own). */
  private inSlots = 0;
  /** The last id {@link add} gave. */
  private lastId = 0;

  constructor(capacity = 64) {
    this.mask = capacity - 1;
    this.ids = new Array<number>(capacity).fill(0);
    this.values = new Array<T | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.inSlots + this.overflow.size;
  }

  /** Add `value` under the next id (1, 2, …, so ids increase as the table needs); returns the id. */
  add(value: T): number {
    const id = ++this.lastId;
    this.set(id, value);
    return id;
  }

  /** Add the entry for `id` (a whole number > 0 that is not in the table). */
  set(id: number, value: T): void {
    if (this.inSlots >= (this.mask + 1) >>> 1) this.resize((this.mask + 1) * 2);
    const i = id & this.mask;
    const old = this.ids[i]!;
    if (old !== 0) {
      // An ask older by a multiple of the table size is still waiting: it moves aside.
      this.overflow.set(old, this.values[i] as T);
      this.inSlots--;
    }
    this.ids[i] = id;
    this.values[i] = value;
    this.inSlots++;
  }

  get(id: number): T | undefined {
    if (!(id > 0)) return undefined; // 0 marks an empty slot: never a key
    const i = id & this.mask;
    if (this.ids[i] === id) return this.values[i];
    return this.overflow.size === 0 ? undefined : this.overflow.get(id);
  }

  /** Remove and return the entry for `id`, if there is one. */
  take(id: number): T | undefined {
    if (!(id > 0)) return undefined;
    const i = id & this.mask;
    if (this.ids[i] === id) {
      const v = this.values[i];
      this.ids[i] = 0;
      this.values[i] = undefined;
      this.inSlots--;
      return v;
    }
    if (this.overflow.size === 0) return undefined;
    const v = this.overflow.get(id);
    if (v !== undefined) this.overflow.delete(id);
    return v;
  }

  /** Remove every entry and return them, oldest (lowest id) first. */
  drain(): T[] {
    const all: [number, T][] = [...this.overflow];
    this.overflow.clear();
    for (let i = 0; i <= this.mask; i++) {
      if (this.ids[i] === 0) continue;
      all.push([this.ids[i]!, this.values[i] as T]);
      this.ids[i] = 0;
      this.values[i] = undefined;
    }
    this.inSlots = 0;
    return all.sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  }

  private resize(capacity: number): void {
    const ids = this.ids;
    const values = this.values;
    this.mask = capacity - 1;
    this.ids = new Array<number>(capacity).fill(0);
    this.values = new Array<T | undefined>(capacity).fill(undefined);
    this.inSlots = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== 0) this.set(ids[i]!, values[i] as T);
  }
}
