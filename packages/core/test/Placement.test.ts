/**
 * Unit tests of placement: which node each `placement` option resolves to, and the error (with
 * what is possible instead) for each placement that cannot be honoured.
 */
import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../src/api/nodes.js';
import type { Placement } from '../src/api/options.js';
import { isInvalidOptionsError, isUnknownBehaviourError } from '../src/errors.js';
import { type PlacementView, resolvePlacement } from '../src/system/placement.js';

interface ViewSpec {
  nodeId?: string;
  mainNode?: string | undefined;
  threadNodes?: string[];
  /** Defaults to every thread. */
  usable?: string[];
  remote?: NodeInfo[];
  /** Behaviours registered from a catalog module; others count as registered as objects. */
  modules?: string[];
}

/** A view as LocalActorSystem builds one: by default the main runtime `n1` with two threads and no peers. */
function view(spec: ViewSpec = {}): PlacementView {
  const threadNodes = spec.threadNodes ?? ['n1.t0', 'n1.t1'];
  const nodeId = spec.nodeId ?? 'n1';
  let rr = 0;
  return {
    nodeId,
    mainNode: 'mainNode' in spec ? spec.mainNode : nodeId,
    threadNodes,
    usableThreads: () => spec.usable ?? threadNodes,
    remoteNodes: new Map((spec.remote ?? []).map((n) => [n.id, n])),
    fromModule: (b) => (spec.modules ?? ['fib', 'echo']).includes(b),
    next: () => rr++,
  };
}

const n2: NodeInfo = { id: 'n2', threads: ['n2.t0', 'n2.t1'], catalog: ['fib', 'echo'] };
const n3: NodeInfo = { id: 'n3', threads: [], catalog: ['fib'] };

/** The error `resolvePlacement` throws. */
function failure(v: PlacementView, placement: unknown, behaviour = 'fib'): Error {
  try {
    resolvePlacement(v, placement as Placement, behaviour);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`placement ${JSON.stringify(placement)} did not fail`);
}

/** Expect an InvalidOptionsError with exactly `message`. */
function expectInvalid(e: Error, message: string | RegExp): void {
  expect(isInvalidOptionsError(e)).toBe(true);
  if (typeof message === 'string') expect(e.message).toBe(message);
  else expect(e.message).toMatch(message);
}

const NO_THREADS =
  'this system has no worker threads; create it with createActorSystem({ threads: true, catalog: [...] })';

describe("placement 'local'", () => {
  it('is this runtime, with or without threads and peers', () => {
    expect(resolvePlacement(view(), 'local', 'fib')).toBeUndefined();
    expect(
      resolvePlacement(view({ threadNodes: [], remote: [n2] }), 'local', 'not-a-module'),
    ).toBeUndefined();
  });
});

describe("placement 'main'", () => {
  it('is the main node of this process, from inside a worker thread', () => {
    expect(resolvePlacement(view({ nodeId: 'n1.t1', mainNode: 'n1' }), 'main', 'fib')).toBe('n1');
  });

  it('is this runtime when the system has no topology (no threads)', () => {
    expect(resolvePlacement(view({ mainNode: undefined, threadNodes: [] }), 'main', 'fib')).toBeUndefined();
  });
});

describe("placement 'thread'", () => {
  it('spreads actors over the worker threads round-robin', () => {
    const v = view({ threadNodes: ['n1.t0', 'n1.t1', 'n1.t2'] });
    const placed = Array.from({ length: 6 }, () => resolvePlacement(v, 'thread', 'fib'));
    expect(placed).toEqual(['n1.t0', 'n1.t1', 'n1.t2', 'n1.t0', 'n1.t1', 'n1.t2']);
  });

  it('skips threads that were given up after failing at start-up', () => {
    const v = view({ threadNodes: ['n1.t0', 'n1.t1', 'n1.t2'], usable: ['n1.t0', 'n1.t2'] });
    const placed = Array.from({ length: 4 }, () => resolvePlacement(v, 'thread', 'fib'));
    expect(placed).toEqual(['n1.t0', 'n1.t2', 'n1.t0', 'n1.t2']);
  });

  it('fails when the system has no worker threads, saying how to create them', () => {
    expectInvalid(failure(view({ threadNodes: [] }), 'thread'), `placement "thread": ${NO_THREADS}`);
  });

  it('fails when every thread was given up', () => {
    expectInvalid(
      failure(view({ usable: [] }), 'thread'),
      'no worker thread is usable: every thread failed to start',
    );
  });

  it('fails for a behaviour registered as an object, saying to export it from a catalog module', () => {
    const e = failure(view(), 'thread', 'inline');
    expectInvalid(
      e,
      /^behaviour 'inline' cannot run on a worker thread: threads load behaviours from catalog modules, and this one was registered as an object\. Export it from a module and list that module in createActorSystem\(\{ catalog: \[new URL\('\.\/behaviours\.js', import\.meta\.url\)\] \}\)$/,
    );
  });

  it('reports missing threads before a behaviour that threads could not load', () => {
    expectInvalid(
      failure(view({ threadNodes: [] }), 'thread', 'inline'),
      `placement "thread": ${NO_THREADS}`,
    );
  });
});

describe('placement { thread: i }', () => {
  it('is worker thread i', () => {
    const v = view();
    expect(resolvePlacement(v, { thread: 0 }, 'fib')).toBe('n1.t0');
    expect(resolvePlacement(v, { thread: 1 }, 'fib')).toBe('n1.t1');
  });

  it.each([2, -1, 0.5, Number.NaN])('fails for thread %s, giving the valid range', (i) => {
    expectInvalid(failure(view(), { thread: i }), `placement { thread: ${i} }: threads are numbered 0 to 1`);
  });

  it('fails for a thread that was given up, pointing to the thread placement', () => {
    expectInvalid(
      failure(view({ usable: ['n1.t0'] }), { thread: 1 }),
      "placement { thread: 1 }: that thread kept failing at start-up and was given up; use 'thread' to place on a live one",
    );
  });

  it('fails when the system has no worker threads', () => {
    expectInvalid(failure(view({ threadNodes: [] }), { thread: 0 }), `placement {"thread":0}: ${NO_THREADS}`);
  });

  it('fails for a behaviour registered as an object', () => {
    expectInvalid(
      failure(view(), { thread: 0 }, 'inline'),
      /^behaviour 'inline' cannot run on a worker thread/,
    );
  });
});

describe('placement { node } in this process', () => {
  it('is this runtime when the node is this one', () => {
    expect(resolvePlacement(view(), { node: 'n1' }, 'inline')).toBeUndefined();
    expect(
      resolvePlacement(view({ nodeId: 'n1.t0', mainNode: 'n1' }), { node: 'n1.t0' }, 'fib'),
    ).toBeUndefined();
  });

  it('is the main node, from a worker thread, for any behaviour', () => {
    expect(resolvePlacement(view({ nodeId: 'n1.t0', mainNode: 'n1' }), { node: 'n1' }, 'inline')).toBe('n1');
  });

  it('is a sibling thread, named by its node id', () => {
    expect(resolvePlacement(view(), { node: 'n1.t1' }, 'fib')).toBe('n1.t1');
    expect(resolvePlacement(view({ nodeId: 'n1.t0', mainNode: 'n1' }), { node: 'n1.t1' }, 'fib')).toBe(
      'n1.t1',
    );
  });

  it('fails for a thread this process does not have, listing the ones it has', () => {
    expectInvalid(
      failure(view(), { node: 'n1.t7' }),
      "placement { node: 'n1.t7' }: this node has no such thread (threads: n1.t0, n1.t1)",
    );
    expectInvalid(
      failure(view({ threadNodes: [] }), { node: 'n1.t0' }),
      "placement { node: 'n1.t0' }: this node has no such thread (threads: none)",
    );
  });

  it('fails for a thread of this process when the behaviour was registered as an object', () => {
    expectInvalid(
      failure(view(), { node: 'n1.t0' }, 'inline'),
      /^behaviour 'inline' cannot run on a worker thread/,
    );
  });
});

describe('placement { node } on another node', () => {
  it('is that node, or one of its threads, when it is up and offers the behaviour', () => {
    const v = view({ remote: [n2, n3] });
    expect(resolvePlacement(v, { node: 'n2' }, 'echo')).toBe('n2');
    expect(resolvePlacement(v, { node: 'n2.t1' }, 'echo')).toBe('n2.t1');
    expect(resolvePlacement(v, { node: 'n3' }, 'fib')).toBe('n3');
  });

  it('does not require a catalog module of its own: the other node loads its own catalog', () => {
    expect(resolvePlacement(view({ remote: [n2], modules: [] }), { node: 'n2.t0' }, 'fib')).toBe('n2.t0');
  });

  it('fails for a node that is not up, listing the nodes that are', () => {
    expectInvalid(
      failure(view({ remote: [n2, n3] }), { node: 'n9' }),
      "placement { node: 'n9' }: no such node is up (nodes up: n2, n3); see system.nodes()",
    );
    expectInvalid(
      failure(view(), { node: 'n9.t0' }),
      "placement { node: 'n9.t0' }: no such node is up (nodes up: none besides this one); see system.nodes()",
    );
  });

  it('fails for a thread the node does not have, listing its threads', () => {
    const v = view({ remote: [n2, n3] });
    expectInvalid(
      failure(v, { node: 'n2.t5' }),
      "placement { node: 'n2.t5' }: node n2 has no such thread (threads: n2.t0, n2.t1)",
    );
    expectInvalid(
      failure(v, { node: 'n3.t0' }),
      "placement { node: 'n3.t0' }: node n3 has no such thread (threads: none)",
    );
  });

  it("fails with UnknownBehaviourError when the node's catalog lacks the behaviour", () => {
    const e = failure(view({ remote: [n3] }), { node: 'n3' }, 'echo');
    expect(isUnknownBehaviourError(e)).toBe(true);
    expect(e).toMatchObject({ behaviour: 'echo', owner: 'node' });
    expect(e.message).toMatch(/^no behaviour named 'echo' in the catalog of node n3 \(known: fib\); /);
    // The thread of a node has its node's catalog.
    expect(isUnknownBehaviourError(failure(view({ remote: [n2] }), { node: 'n2.t0' }, 'other'))).toBe(true);
  });
});

describe("placement 'any-node'", () => {
  it('spreads actors round-robin over the other nodes that offer the behaviour', () => {
    const v = view({ remote: [n2, n3, { id: 'n4', threads: [], catalog: ['echo'] }] });
    const fib = Array.from({ length: 4 }, () => resolvePlacement(v, 'any-node', 'fib'));
    expect(fib).toEqual(['n2', 'n3', 'n2', 'n3']);
    const echo = Array.from({ length: 4 }, () => resolvePlacement(v, 'any-node', 'echo'));
    expect(echo).toEqual(['n2', 'n4', 'n2', 'n4']);
  });

  it('does not count this node: with no other node up it fails, though this node has the behaviour', () => {
    expectInvalid(
      failure(view(), 'any-node'),
      "placement 'any-node': no other node offers behaviour 'fib' (nodes up: none besides this one)",
    );
  });

  it('fails when no node up offers the behaviour, listing the nodes up', () => {
    expectInvalid(
      failure(view({ remote: [n2, n3] }), 'any-node', 'ledger'),
      "placement 'any-node': no other node offers behaviour 'ledger' (nodes up: n2, n3)",
    );
  });
});

describe('a placement that is none of the forms', () => {
  it.each([
    ['nowhere', '"nowhere"'],
    [null, 'null'],
    [{}, '{}'],
    [{ node: 5 }, '{"node":5}'],
    [42, '42'],
  ])('fails for %j, listing the forms there are', (placement, shown) => {
    expectInvalid(
      failure(view({ remote: [n2] }), placement),
      `placement must be 'local', 'thread', 'main', 'any-node', { thread: i } or { node: id }, got ${shown}`,
    );
  });
});
