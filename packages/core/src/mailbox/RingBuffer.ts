/**
 * A growable FIFO ring buffer. O(1) push and shift (never `Array#shift`, which is O(n) on long
 * arrays); the capacity is a power of two so wrap-around is a mask.
 * @internal
 */
export class RingBuffer<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private tail = 0;
  private mask: number;

  constructor(initialCapacity = 8) {
    let cap = 2;
    while (cap < initialCapacity) cap <<= 1;
    this.buf = new Array(cap);
    this.mask = cap - 1;
  }

  get length(): number {
    return (this.tail - this.head) & this.mask;
  }

  isEmpty(): boolean {
    return this.head === this.tail;
  }

  push(value: T): void {
    this.buf[this.tail] = value;
    this.tail = (this.tail + 1) & this.mask;
    if (this.tail === this.head) this.grow();
  }

  /** Put a value at the front (it is the next to be shifted). */
  unshift(value: T): void {
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = value;
    if (this.tail === this.head) this.grow();
  }

  shift(): T | undefined {
    if (this.head === this.tail) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    return v;
  }

  peek(): T | undefined {
    return this.head === this.tail ? undefined : this.buf[this.head];
  }

  clear(): void {
    this.buf.fill(undefined);
    this.head = this.tail = 0;
  }

  private grow(): void {
    const old = this.buf;
    const cap = old.length;
    const next = new Array<T | undefined>(cap * 2);
    // head === tail here: the buffer is exactly full; copy head..end then 0..head.
    let j = 0;
    for (let i = this.head; i < cap; i++) next[j++] = old[i];
    for (let i = 0; i < this.head; i++) next[j++] = old[i];
    this.buf = next;
    this.head = 0;
    this.tail = cap;
    this.mask = cap * 2 - 1;
  }
}
