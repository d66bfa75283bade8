/**
 * A network partition made with a network namespace and a veth pair: a node is cut off from the
 * NATS server, declared down, its actor restarted elsewhere; when the link returns, the isolated
 * node must not keep a duplicate live actor.
 */
import { execFileSync } from 'node:child_process';
import { type ActorSystem, createActorSystem, isNodeLostError } from '@troupe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitNodes, nats } from '../../src/index.js';
import { type NatsServer, startNatsServer, startNode, type TroupeNodeProcess } from '../../src/testing.js';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' }).toString();
function canUseNetns(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    ip('netns', 'list');
    return true;
  } catch {
    return false;
  }
}

const catalog = new URL('../fixtures/catalog.mjs', import.meta.url).pathname;
const suffix = Math.floor(Math.random() * 200) + 20;
const ns = `troupe-part-${process.pid}`;
const hostIf = `tph${suffix}`;
const nsIf = `tpn${suffix}`;
const hostIp = `10.231.${suffix}.1`;
const nsIp = `10.231.${suffix}.2`;

// Root is needed to make namespaces: CI runs as root on this kind of machine.
describe.runIf(canUseNetns())('a network partition (network namespace + veth)', () => {
  let server: NatsServer;
  const nodes: TroupeNodeProcess[] = [];
  let a: ActorSystem | undefined;

  beforeAll(async () => {
    ip('netns', 'add', ns);
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', ns);
    ip('addr', 'add', `${hostIp}/24`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsIp}/24`, 'dev', nsIf);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    server = await startNatsServer({ host: hostIp });
  });

  afterAll(async () => {
    await a?.shutdown();
    for (const n of nodes) await n.kill();
    await server?.kill();
    try {
      ip('link', 'del', hostIf);
    } catch {}
    try {
      ip('netns', 'del', ns);
    } catch {}
  });

  it('declares the isolated node down, restarts its actor elsewhere, and leaves no duplicate when the link returns', async () => {
    const url = `nats://${hostIp}:${server.port}`;
    const timing = ['--heartbeat-ms', '200', '--down-after-ms', '1000'];
    const isolated = await startNode({ nats: url, system: 'part', catalog, netns: ns, args: timing });
    const healthy = await startNode({ nats: url, system: 'part', catalog, args: timing });
    nodes.push(isolated, healthy);
    a = await createActorSystem({
      name: 'part',
      catalog: [new URL(`file://${catalog}`)],
      transports: [nats({ servers: url, heartbeatMs: 200, downAfterMs: 1000 })],
    });
    await awaitNodes(a, 3);
    // Place an actor on the node that will be cut off ('any-node' goes round-robin).
    let name = '';
    for (let i = 0; i < 4 && name === ''; i++) {
      const r = a.spawn<any, number, void, { pid: number }>('nats.echo', undefined, {
        placement: 'any-node',
        name: `w${i}`,
      });
      if ((await r.ask({ type: 'where' })).pid === isolated.proc.pid) name = `w${i}`;
    }
    expect(name).not.toBe('');
    const onIsolated = a.lookup<any, { pid: number; count: number }>(
      `troupe://part/${isolated.id}/user/${name}`,
    )!;
    onIsolated.tell({ type: 'inc' });

    const downs: string[] = [];
    a.events.on('node', (e) => e.event === 'down' && downs.push(e.node));
    const cutAt = Date.now();
    ip('link', 'set', hostIf, 'down'); // the partition
    const err = (await onIsolated
      .ask({ type: 'where' }, { timeoutMs: 5000 })
      .catch((e: Error) => e)) as Error;
    expect(isNodeLostError(err)).toBe(true);
    expect(downs).toContain(isolated.id);
    expect(Date.now() - cutAt).toBeLessThan(3000);
    const moved = a.lookup<any, { pid: number }>(`troupe://part/${healthy.id}/user/${name}`)!;
    await expect
      .poll(
        () =>
          moved
            .ask({ type: 'where' }, { timeoutMs: 300 })
            .then((w) => w.pid)
            .catch(() => 0),
        { timeout: 5000, interval: 100 },
      )
      .toBe(healthy.proc.pid);

    ip('link', 'set', hostIf, 'up'); // the link returns
    await expect
      .poll(() => a!.nodes().some((n) => n.id === isolated.id), { timeout: 15_000, interval: 200 })
      .toBe(true);
    // The isolated node learnt it had been declared down and stopped its copy: only one live actor.
    await expect
      .poll(
        () =>
          onIsolated.ask({ type: 'where' }, { timeoutMs: 500 }).then(
            () => 'alive',
            (e: Error) => e.name,
          ),
        { timeout: 10_000, interval: 300 },
      )
      .toBe('ActorStoppedError');
    expect((await moved.ask({ type: 'where' })).pid).toBe(healthy.proc.pid);
  });
});
