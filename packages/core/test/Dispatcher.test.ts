/**
 * Unit tests of the dispatcher: its run queue, batches per actor, yielding to the event loop, and
 * what happens when a runnable throws. The runnables here behave as an actor cell does.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dispatcher, type Runnable } from '../src/dispatch/Dispatcher.js';
import { isInvalidOptionsError } from '../src/errors.js';

/** Let the event loop turn a few times. */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** Throw-safe: the error a function throws. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** An actor stand-in: counts waiting messages and processes up to `throughput` of them per run, like a cell. */
class Counter implements Runnable {
  scheduled = false;
  inbox = 0;
  runs = 0;
  constructor(
    readonly name: string,
    private readonly d: Dispatcher,
    private readonly log: string[] = [],
  ) {}

  send(n = 1): void {
    this.inbox += n;
    if (!this.scheduled) this.d.schedule(this);
  }

  run(d: Dispatcher): void {
    this.runs++;
    for (let i = d.throughput; i > 0 && this.inbox > 0; i--) {
      this.inbox--;
      this.log.push(this.name);
      if (d.shouldYield()) break;
    }
    if (this.inbox > 0 && !this.scheduled) d.schedule(this);
  }
}

/** `['a', 'a', 'b']` → `['a2', 'b1']`. */
function runsOf(log: string[]): string[] {
  const out: string[] = [];
  let prev = '';
  let n = 0;
  for (const x of [...log, '']) {
    if (x === prev) n++;
    else {
      if (n > 0) out.push(`${prev}${n}`);
      prev = x;
      n = 1;
    }
  }
  return out;
}

/** Busy-wait (the thread does nothing else meanwhile, as with a CPU-bound handler). */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Dispatcher options', () => {
  it('defaults to a throughput of 64 messages per actor', () => {
    expect(new Dispatcher().throughput).toBe(64);
    expect(new Dispatcher({ throughput: 5 }).throughput).toBe(5);
  });

  it.each([0, -1, 2.5, Number.NaN])('refuses a throughput of %s with a message naming the option', (t) => {
    const e = thrown(() => new Dispatcher({ throughput: t }));
    expect(isInvalidOptionsError(e)).toBe(true);
    expect((e as Error).message).toBe(`dispatcher.throughput must be a whole number ≥ 1, got ${String(t)}`);
  });

  it.each([0, -5, Number.NaN])('refuses a timeSliceMs of %s with a message naming the option', (t) => {
    const e = thrown(() => new Dispatcher({ timeSliceMs: t }));
    expect(isInvalidOptionsError(e)).toBe(true);
    expect((e as Error).message).toBe(`dispatcher.timeSliceMs must be a number > 0, got ${String(t)}`);
  });
});

describe('Dispatcher', () => {
  it('runs a scheduled runnable soon (in a microtask), not inside schedule()', async () => {
    const d = new Dispatcher();
    const a = new Counter('a', d);
    a.send();
    expect(a.runs).toBe(0);
    expect(a.scheduled).toBe(true);
    await Promise.resolve();
    expect(a.runs).toBe(1);
    expect(a.inbox).toBe(0);
    expect(a.scheduled).toBe(false);
  });

  it('runs runnables in the order they were scheduled', async () => {
    const d = new Dispatcher();
    const log: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) new Counter(name, d, log).send();
    await turns();
    expect(log).toEqual(['a', 'b', 'c', 'd']);
  });

  it('runs an actor that got several messages before its turn once, with all of them', async () => {
    const d = new Dispatcher();
    const a = new Counter('a', d);
    a.send();
    a.send();
    a.send(); // already scheduled: the sender leaves it in the queue
    await turns();
    expect(a.runs).toBe(1);
    expect(a.inbox).toBe(0);
  });

  it('marks a runnable unscheduled before running it, so it can reschedule itself', async () => {
    const d = new Dispatcher();
    const seen: boolean[] = [];
    const r: Runnable = {
      scheduled: false,
      run() {
        seen.push(r.scheduled);
        if (seen.length < 3) d.schedule(r);
      },
    };
    d.schedule(r);
    await turns();
    expect(seen).toEqual([false, false, false]);
    expect(r.scheduled).toBe(false);
  });

  it('gives each busy actor a batch of up to its throughput, then the next actor a turn', async () => {
    const d = new Dispatcher({ throughput: 4 });
    const log: string[] = [];
    const a = new Counter('a', d, log);
    const b = new Counter('b', d, log);
    a.send(10);
    b.send(6);
    await turns();
    expect(runsOf(log)).toEqual(['a4', 'b4', 'a4', 'b2', 'a2']);
    expect(a.runs).toBe(3);
    expect(b.runs).toBe(2);
  });

  it('runs everything in one turn of the event loop while the time slice lasts', async () => {
    const d = new Dispatcher();
    const order: string[] = [];
    const first: Runnable = {
      scheduled: false,
      run() {
        order.push('first');
        setImmediate(() => order.push('immediate'));
      },
    };
    const second: Runnable = { scheduled: false, run: () => void order.push('second') };
    d.schedule(first);
    d.schedule(second);
    await turns();
    expect(order).toEqual(['first', 'second', 'immediate']);
  });

  it('yields to the event loop once the time slice is used up, and runs the rest of the queue after', async () => {
    const d = new Dispatcher({ timeSliceMs: 1 });
    const order: string[] = [];
    let yielded = false;
    const hog: Runnable = {
      scheduled: false,
      run(disp) {
        order.push('hog');
        setImmediate(() => order.push('immediate'));
        spin(3);
        // An actor asks after each message; the clock is read every 64 asks, so one of the next 64 says yes.
        for (let i = 0; i < 64 && !yielded; i++) yielded = disp.shouldYield();
      },
    };
    const next: Runnable = { scheduled: false, run: () => void order.push('next') };
    d.schedule(hog);
    d.schedule(next);
    await turns();
    expect(yielded).toBe(true);
    expect(order).toEqual(['hog', 'immediate', 'next']);
  });

  it('does not ask an actor to yield while the time slice lasts', async () => {
    const d = new Dispatcher({ timeSliceMs: 10_000 });
    const answers = new Set<boolean>();
    d.schedule({
      scheduled: false,
      run(disp) {
        for (let i = 0; i < 1000; i++) answers.add(disp.shouldYield());
      },
    });
    await turns();
    expect([...answers]).toEqual([false]);
  });

  it('lets a timer and file I/O complete while two actors flood each other', async () => {
    const d = new Dispatcher();
    let stop = false;
    let expired = false;
    let processed = 0;
    const deadline = performance.now() + 3000; // a safety stop, so a starving dispatcher fails instead of hanging

    class Flooder implements Runnable {
      scheduled = false;
      inbox = 100;
      peer!: Flooder;
      run(disp: Dispatcher): void {
        if (stop) return;
        if (performance.now() > deadline) {
          expired = true;
          return;
        }
        for (let i = disp.throughput; i > 0 && this.inbox > 0; i--) {
          this.inbox--;
          processed++;
          this.peer.inbox++;
          if (!this.peer.scheduled) disp.schedule(this.peer);
          if (disp.shouldYield()) break;
        }
        if (this.inbox > 0 && !this.scheduled) disp.schedule(this);
      }
    }
    const a = new Flooder();
    const b = new Flooder();
    a.peer = b;
    b.peer = a;
    d.schedule(a);
    d.schedule(b);

    const atTimer = await new Promise<number>((resolve) => setTimeout(() => resolve(processed), 5));
    const atIo = await readFile(new URL(import.meta.url)).then(() => processed);
    await new Promise((r) => setTimeout(r, 5));
    const later = processed;
    stop = true;

    expect(expired).toBe(false);
    expect(atTimer).toBeGreaterThan(0);
    // The flood was still going when the timer and the read completed, and went on after.
    expect(atIo).toBeGreaterThan(atTimer);
    expect(later).toBeGreaterThan(atIo);
    expect(a.inbox + b.inbox).toBe(200); // every message processed sent one on: nothing lost
  });

  it('lets a timer run while runs follow each other from microtasks (async handlers settling in a row)', async () => {
    const d = new Dispatcher();
    let stop = false;
    let expired = false;
    let runs = 0;
    const deadline = performance.now() + 3000;
    const r: Runnable = {
      scheduled: false,
      run() {
        runs++;
        // As an async receive: the work settles in a microtask, which schedules the actor again.
        void Promise.resolve().then(() => {
          if (stop) return;
          if (performance.now() > deadline) expired = true;
          else d.schedule(r);
        });
      },
    };
    d.schedule(r);
    const atTimer = await new Promise<number>((resolve) => setTimeout(() => resolve(runs), 5));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = runs;
    stop = true;
    expect(expired).toBe(false);
    expect(atTimer).toBeGreaterThan(0);
    expect(later).toBeGreaterThan(atTimer);
  });

  it('hands an error thrown by a runnable to onError and goes on with the rest of the queue', async () => {
    const errors: unknown[] = [];
    const d = new Dispatcher({}, (e) => errors.push(e));
    const boom = new Error('boom');
    const bad: Runnable = {
      scheduled: false,
      run() {
        throw boom;
      },
    };
    const good = new Counter('good', d);
    d.schedule(bad);
    good.send(3);
    await turns();
    expect(errors).toEqual([boom]);
    expect(good.inbox).toBe(0);
    expect(bad.scheduled).toBe(false);
    // The queue is not wedged: the failing runnable can be scheduled and run again.
    d.schedule(bad);
    good.send();
    await turns();
    expect(errors).toEqual([boom, boom]);
    expect(good.inbox).toBe(0);
  });

  it('logs an error thrown by a runnable to console.error when no onError is given', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const d = new Dispatcher();
    const boom = new Error('boom');
    d.schedule({
      scheduled: false,
      run() {
        throw boom;
      },
    });
    const after = new Counter('after', d);
    after.send();
    await turns();
    expect(logged).toHaveBeenCalledWith('[troupe] dispatcher:', boom);
    expect(after.inbox).toBe(0);
  });
});
