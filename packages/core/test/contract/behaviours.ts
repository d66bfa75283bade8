/**
 * The catalog of the transport contract suite: every node of a contract test registers these
 * behaviour objects (the first node also {@link OnlyHere}), so nodes can start them for each other
 * by name.
 */
import { type ActorRef, defineActor, isTerminated } from '../../src/index.js';

/** What {@link Echo} answers to `{ type: 'where' }`. */
export interface Where {
  readonly node: string;
  readonly address: string;
  readonly count: number;
  readonly restarts: number;
}

interface EchoState {
  count: number;
  readonly log: unknown[];
}

/** A small actor that does whatever the suite needs of a remote actor. Unknown input is ignored. */
export const Echo = defineActor<any, EchoState, void, unknown>({
  name: 'contract.echo',
  init: () => ({ count: 0, log: [] }),
  receive(ctx, s, m) {
    const type: unknown = typeof m === 'object' && m !== null ? m.type : undefined;
    switch (type) {
      case 'echo':
        ctx.reply(m.value);
        return s;
      case 'push':
        s.log.push(m.value);
        return s;
      case 'log':
        ctx.reply(s.log);
        return s;
      case 'inc':
        s.count++;
        return s;
      case 'where':
        ctx.reply({
          node: ctx.system.nodeId,
          address: ctx.self.address,
          count: s.count,
          restarts: ctx.restartCount,
        } satisfies Where);
        return s;
      case 'fail':
        throw new TypeError('echo failed on purpose');
      case 'stop':
        ctx.stop(ctx.self);
        return s;
      case 'self':
        ctx.reply(ctx.self);
        return s;
      case 'forward':
        (m.to as ActorRef).tell({ type: 'reply-to', value: m.value, replyTo: m.replyTo });
        return s;
      case 'reply-to':
        (m.replyTo as ActorRef).tell({ value: m.value, via: ctx.self });
        return s;
      case 'ask': // ask `to` (maybe on the sender's node) and answer with what it said
        return (m.to as ActorRef<any, unknown>)
          .ask({ type: 'echo', value: m.value }, { timeoutMs: 5000 })
          .then((answer) => {
            ctx.reply({ answer, from: ctx.system.nodeId });
            return s;
          });
      case 'scribble': // change the object received, and send it back
        m.obj.scribbled = true;
        ctx.reply(m.obj);
        return s;
      default: // 'silent' and anything else: no reply
        return s;
    }
  },
});

/** Watches `target` and reports `watching`, then the `Terminated` message, to `report`. */
export const Watcher = defineActor<unknown, ActorRef, { target: ActorRef; report: ActorRef }>({
  name: 'contract.watcher',
  init(ctx, { target, report }) {
    ctx.watch(target);
    report.tell({ type: 'watching', from: ctx.self });
    return report;
  },
  receive(_ctx, report, m) {
    if (isTerminated(m)) report.tell(m);
    return report;
  },
});

/** A parent here whose child (an {@link Echo}) lives on node `node`; `{ type: 'child' }` answers the child's ref. */
export const Parent = defineActor<{ type: 'child' }, ActorRef, { node: string }, ActorRef>({
  name: 'contract.parent',
  supervision: { strategy: 'one-for-one', maxRestarts: 5, withinMs: 10_000 },
  init: (ctx, { node }) => ctx.spawn(Echo, undefined, { name: 'child', placement: { node } }),
  receive(ctx, child) {
    ctx.reply(child);
    return child;
  },
});

/** Offered by the first node of a contract test only. */
export const OnlyHere = defineActor<unknown, undefined>({
  name: 'contract.only-here',
  receive: () => undefined,
});

/** The catalog of every node. */
export const catalog = [Echo, Watcher, Parent] as const;
