import { spawnSync } from 'node:child_process';
import { createActorSystem } from '@troupe/core';
import { createProbe } from '@troupe/core/testing';
import { fromXState, getSnapshot } from '@troupe/core/xstate';
import { describe, expect, it } from 'vitest';
import {
  type Notification,
  type OrderEvent,
  type OrderInput,
  type OrderStatus,
  orderMachine,
} from '../dist/order-workflow/orderMachine.js';

describe('the order-workflow example', () => {
  it('resumes the order on the other node after a SIGKILL, in the same state, and finishes it there', () => {
    const r = spawnSync(
      process.execPath,
      [new URL('../dist/order-workflow/main.js', import.meta.url).pathname],
      { encoding: 'utf8', timeout: 40_000 },
    );
    const out = r.stdout;
    expect(r.status, `stdout:\n${out}\nstderr:\n${r.stderr}`).toBe(0);

    const ran =
      /^order o-1001 runs on node (\S+) \(pid \d+\): troupe:\/\/order-workflow\/\1\/user\/o-1001$/m.exec(out);
    const resumed =
      /^order o-1001 resumed on node (\S+) after [\d.]+ s: troupe:\/\/order-workflow\/\1\/user\/o-1001$/m.exec(
        out,
      );
    expect(ran, out).not.toBeNull();
    expect(resumed, out).not.toBeNull();
    expect(resumed![1]).not.toBe(ran![1]); // another node, so a new address
    expect(out).toContain(`SIGKILL node ${ran![1]} while the order is 'paid'`);
    expect(out).toContain("NATS KV key 'user/o-1001' holds 'paid' with 2 lines");

    // The same status line before the kill and after the restart on the other node.
    const status = '  status: paid | 2× earl-grey-250g, 1× teapot | total 42.00 | paid 42.00';
    expect(out.match(/^ {2}status: .*$/gm)).toEqual([status, status]);
    expect(out).toContain('same state and items as before the crash: yes');

    expect(out).toContain('final state: delivered (machine done)');
    const notifications = out.slice(out.indexOf('notifications received by the customer:')).split('\n');
    expect(notifications.slice(1, 6)).toEqual([
      '  [placed] order o-1001 placed: 2 lines, 42.00 due',
      '  [payment-refused] payment of 20.00 refused: order o-1001 costs 42.00',
      '  [paid] payment of 42.00 received for order o-1001',
      '  [shipped] order o-1001 shipped, tracking PKG-7781',
      '  [delivered] order o-1001 delivered',
    ]);
  }, 60_000);
});

describe('the order machine', () => {
  it('guards its transitions and refunds a paid order that is cancelled', async () => {
    const system = await createActorSystem({ name: 'order-machine-test' });
    try {
      const Order = fromXState<OrderEvent, OrderInput>(orderMachine, { name: 'test.order' });
      const notify = createProbe<Notification>(system);
      const order = system.spawn(Order, { orderId: 'o-1' });
      const status = () => order.ask({ type: 'STATUS' }) as Promise<OrderStatus>;

      order.tell({ type: 'CHECKOUT', notify: notify.ref }); // empty cart: refused by the guard
      order.tell({ type: 'ADD_ITEM', item: { sku: 'mug', qty: 0, price: 900 } }); // no quantity: refused
      expect(await status()).toMatchObject({ state: 'cart', items: [], total: 0 });

      order.tell({ type: 'ADD_ITEM', item: { sku: 'mug', qty: 2, price: 900 } });
      order.tell({ type: 'CHECKOUT', notify: notify.ref });
      expect(await notify.expect()).toMatchObject({ kind: 'placed', orderId: 'o-1' });
      order.tell({ type: 'SHIP', tracking: 'T-1', notify: notify.ref }); // not paid yet: ignored
      order.tell({ type: 'PAY', amount: 1799, notify: notify.ref });
      expect(await notify.expect()).toMatchObject({ kind: 'payment-refused' });
      expect((await status()).state).toBe('awaitingPayment');
      order.tell({ type: 'PAY', amount: 1800, notify: notify.ref });
      expect(await notify.expect()).toMatchObject({ kind: 'paid' });

      order.tell({ type: 'CANCEL', reason: 'changed my mind', notify: notify.ref });
      expect(await notify.expect()).toEqual({
        orderId: 'o-1',
        kind: 'cancelled',
        text: 'order o-1 cancelled (changed my mind), 18.00 refunded',
      });
      expect(await getSnapshot(order)).toMatchObject({ status: 'done', value: 'cancelled' });
    } finally {
      await system.shutdown();
    }
  });
});
