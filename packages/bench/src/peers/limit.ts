/**
 * The Node limit for Troupe's dispatch design, written by hand with nothing else: a ring-buffer
 * run queue of cells, each with a ring-buffer mailbox, drained in a loop — a batch per cell, a
 * yield to the event loop after a time slice, no promise or closure per message. No supervision,
 * no lifecycle, no asks: what is left is the floor any framework of this design pays.
 * It does not import `@troupe/core`, so the limit stays put while the core changes.
 */
import type { Contender, Fixture } from '../harness.js';
import { type Ball, Countdown, pairOfBalls, type Tick } from './protocol.js';

/** Growable FIFO ring; capacity a power of two so wrap-around is a mask. */
class Ring<T> {
  private buf: (T | undefined)[] = new Array(16);
  private head = 0;
  private tail = 0;
  private mask = 15;

  isEmpty(): boolean {
    return this.head === this.tail;
  }

  push(v: T): void {
    this.buf[this.tail] = v;
    this.tail = (this.tail + 1) & this.mask;
    if (this.tail === this.head) this.grow();
  }

  shift(): T | undefined {
    if (this.head === this.tail) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    return v;
  }

  private grow(): void {
    const old = this.buf;
    const n = old.length;
    const next = new Array<T | undefined>(2 * n);
    for (let i = 0; i < n; i++) next[i] = old[(this.head + i) & this.mask];
    this.buf = next;
    this.head = 0;
    this.tail = n;
    this.mask = 2 * n - 1;
  }
}

/**
 * A hand-written "actor": mailbox, state and a receive function that returns the next state.
 * `receive` gets the run queue to send with, as a Troupe behaviour gets its context.
 */
export interface Cell<M> {
  scheduled: boolean;
  state: number;
  readonly mailbox: Ring<M>;
  readonly receive: Receive<M>;
}

type Receive<M> = (state: number, message: M, queue: RunQueue) => number;

const BATCH = 64;
const SLICE_MS = 4;

export class RunQueue {
  private readonly ready = new Ring<Cell<any>>();
  private pending = false;
  private running = false;
  private readonly drain = () => this.runTurn();

  cell<M>(receive: Receive<M>): Cell<M> {
    return { scheduled: false, state: 0, mailbox: new Ring<M>(), receive };
  }

  send<M>(cell: Cell<M>, message: M): void {
    cell.mailbox.push(message);
    if (cell.scheduled) return;
    cell.scheduled = true;
    this.ready.push(cell);
    if (!this.pending && !this.running) {
      this.pending = true;
      queueMicrotask(this.drain);
    }
  }

  private runTurn(): void {
    this.pending = false;
    this.running = true;
    const deadline = performance.now() + SLICE_MS;
    let sinceClock = 0;
    let c: Cell<any> | undefined;
    while ((c = this.ready.shift()) !== undefined) {
      c.scheduled = false;
      const mb = c.mailbox;
      let i = BATCH;
      for (; i > 0 && !mb.isEmpty(); i--) c.state = c.receive(c.state, mb.shift(), this);
      if (!mb.isEmpty()) {
        c.scheduled = true;
        this.ready.push(c);
      }
      // Read the clock about every 64 messages, as Troupe does: a read per message would cost more
      // than the message in ping-pong, where each turn of a cell is one message.
      sinceClock += BATCH - i;
      if (sinceClock >= 64) {
        sinceClock = 0;
        if (performance.now() > deadline) break;
      }
    }
    this.running = false;
    if (!this.ready.isEmpty()) {
      this.pending = true;
      setImmediate(this.drain);
    }
  }
}

interface LimitBall extends Ball<Cell<LimitBall>> {}

// Module-level handlers, as Troupe's behaviours are: a closure per round would be a new function
// each round, which V8's optimized code would have to learn again.
function player(hits: number, ball: LimitBall, q: RunQueue): number {
  ball.rally.tick();
  if (ball.rally.left > 0) q.send(ball.from, ball.reply);
  return hits + 1;
}

function counter(count: number, tick: Tick): number {
  tick.countdown.tick();
  return count + 1;
}

/** One run queue for all rounds of a case, as Troupe keeps one dispatcher per system. */
function withRunQueue(setup: (q: RunQueue) => Fixture): Contender {
  const q = new RunQueue();
  return { setup: () => setup(q) };
}

export function limitPingPong(n: number): Contender {
  return withRunQueue((q) => {
    const a = q.cell(player);
    const b = q.cell(player);
    const rally = new Countdown(n);
    const serve = pairOfBalls(a, b, rally);
    return {
      run() {
        q.send(b, serve);
        return rally.done;
      },
    };
  });
}

export function limitFlood(n: number): Contender {
  return withRunQueue((q) => {
    const c = q.cell(counter);
    const countdown = new Countdown(n);
    const tick: Tick = { type: 'tick', countdown };
    return {
      run() {
        for (let i = 0; i < n; i++) q.send(c, tick);
        return countdown.done;
      },
    };
  });
}
