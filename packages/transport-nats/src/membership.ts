/**
 * Membership over NATS: every node announces itself (`hello`), heartbeats, and says `leave`
 * when it stops gracefully. A node whose heartbeats stop is declared `down` after `downAfterMs`.
 * While this node's own connection is down, nobody is declared down (we cannot tell), and after a
 * reconnect every node gets a fresh grace period.
 */
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { NodeInfo, TransportHost } from '@troupe/core';
import { membersSubject, TOKEN_RE } from './subjects.js';

/** Membership timing. */
export interface MembershipOptions {
  /** How often a node heartbeats (ms), from 10 to 2^31 − 1. Default 500. */
  readonly heartbeatMs?: number;
  /**
   * A node that has not heartbeated for this long is declared down (ms). Default 2000. Must be
   * longer than `heartbeatMs` (3× or more is usual, so a late heartbeat is not a lost node).
   */
  readonly downAfterMs?: number;
}

/** Membership timing as used: checked, with the defaults filled in. @internal */
export type MembershipTiming = Required<MembershipOptions>;

/** The timing `options` ask for, with the defaults; the reason if they are not usable. @internal */
export function membershipTiming(options: MembershipOptions): MembershipTiming | string {
  const heartbeatMs = options.heartbeatMs ?? 500;
  const downAfterMs = options.downAfterMs ?? 2000;
  const ms = (v: number) => typeof v === 'number' && Number.isFinite(v) && v >= 10 && v <= 2_147_483_647;
  if (!ms(heartbeatMs))
    return `heartbeatMs must be a number of milliseconds from 10 to 2147483647, got ${String(heartbeatMs)}`;
  if (!ms(downAfterMs))
    return `downAfterMs must be a number of milliseconds from 10 to 2147483647, got ${String(downAfterMs)}`;
  if (downAfterMs <= heartbeatMs)
    return `downAfterMs (${downAfterMs}) must be longer than heartbeatMs (${heartbeatMs}), or every node is declared down between two heartbeats; 3× heartbeatMs or more is usual`;
  return { heartbeatMs, downAfterMs };
}

interface Announcement {
  readonly v: 1;
  /** `down-notice`: `node` tells `about` that it declared `about` down (sent when `about` is heard again). */
  readonly kind: 'hello' | 'beat' | 'leave' | 'down-notice';
  readonly node: string;
  readonly threads: readonly string[];
  readonly catalog: readonly string[];
  readonly about?: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function parse(data: Uint8Array): Announcement | undefined {
  let a: Partial<Announcement>;
  try {
    a = JSON.parse(dec.decode(data)) as Partial<Announcement>;
  } catch {
    return undefined;
  }
  if (
    typeof a !== 'object' ||
    a === null ||
    a.v !== 1 ||
    (a.kind !== 'hello' && a.kind !== 'beat' && a.kind !== 'leave' && a.kind !== 'down-notice') ||
    (a.kind === 'down-notice' && (typeof a.about !== 'string' || !TOKEN_RE.test(a.about))) ||
    typeof a.node !== 'string' ||
    !TOKEN_RE.test(a.node) ||
    !Array.isArray(a.threads) ||
    !a.threads.every((t) => typeof t === 'string' && t.startsWith(`${a.node}.t`)) ||
    !Array.isArray(a.catalog) ||
    !a.catalog.every((c) => typeof c === 'string')
  ) {
    return undefined;
  }
  return a as Announcement;
}

/**
 * What {@link Membership.listenToOtherSystems} heard: the node ids of each other system whose
 * announcements reached this server, and whether the server refused the wildcard subscription
 * (a NATS user allowed only `troupe.<system>.>`). @internal
 */
export interface OtherSystems {
  readonly systems: ReadonlyMap<string, ReadonlySet<string>>;
  readonly refused: boolean;
}

/** The running memberships, by their system's event stream: what `awaitNodes` can find them by. */
const byEvents = new WeakMap<object, Membership>();

/**
 * The NATS membership of the system whose event stream is `events`, if that system runs on NATS.
 * @internal
 * @example
 * ```ts
 * const stop = membershipOf(system.events)?.listenToOtherSystems();
 * ```
 */
export function membershipOf(events: object): Membership | undefined {
  return byEvents.get(events);
}

export class Membership {
  private readonly lastSeen = new Map<string, number>();
  /** Nodes this node declared down; if one is heard again, it is told so. */
  private readonly declaredDown = new Set<string>();
  private beatTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private connected = true;
  readonly heartbeatMs: number;
  readonly downAfterMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly host: TransportHost,
    timing: MembershipTiming,
  ) {
    this.heartbeatMs = timing.heartbeatMs;
    this.downAfterMs = timing.downAfterMs;
  }

  private get subject(): string {
    return membersSubject(this.host.systemName);
  }

  private announce(kind: Announcement['kind'], about?: string): void {
    const a: Announcement = {
      v: 1,
      kind,
      node: this.host.nodeId,
      threads: this.host.threadNodes,
      catalog: this.host.catalog,
      ...(about === undefined ? {} : { about }),
    };
    try {
      this.nc.publish(this.subject, enc.encode(JSON.stringify(a)));
    } catch {
      // closed or draining: nothing to announce to
    }
  }

  start(): void {
    byEvents.set(this.host.events, this);
    this.nc.subscribe(this.subject, { callback: (_err, msg) => this.onMessage(msg.data) });
    this.announce('hello');
    this.beatTimer = setInterval(() => this.announce('beat'), this.heartbeatMs);
    this.checkTimer = setInterval(() => this.check(), Math.max(50, Math.min(250, this.downAfterMs / 4)));
    this.beatTimer.unref();
    this.checkTimer.unref();
  }

  private onMessage(data: Uint8Array): void {
    const a = parse(data);
    if (a === undefined) {
      this.host.dropped('malformed-membership', 'a membership announcement could not be parsed');
      return;
    }
    if (a.node === this.host.nodeId) return;
    if (a.kind === 'down-notice') {
      if (a.about === this.host.nodeId) this.wasDeclaredDown(a.node);
      return;
    }
    if (this.declaredDown.delete(a.node)) {
      // It was cut off and is back: its actors were failed and restarted elsewhere; tell it, so it stops them.
      this.announce('down-notice', a.node);
    }
    if (a.kind === 'leave') {
      this.lastSeen.delete(a.node);
      this.host.nodeDown(a.node, 'leave', 'it left the system');
      return;
    }
    const known = this.lastSeen.has(a.node);
    this.lastSeen.set(a.node, Date.now());
    this.host.nodeUp({ id: a.node, threads: a.threads, catalog: a.catalog } satisfies NodeInfo);
    // A newcomer learns about us at once instead of waiting for our next heartbeat.
    if (!known && a.kind === 'hello') this.announce('beat');
  }

  private check(): void {
    if (!this.connected) return;
    const now = Date.now();
    for (const [node, seen] of this.lastSeen) {
      if (now - seen > this.downAfterMs) {
        this.lastSeen.delete(node);
        this.declaredDown.add(node);
        this.host.nodeDown(
          node,
          'down',
          `no heartbeat for ${now - seen} ms (down after ${this.downAfterMs} ms)`,
        );
      }
    }
  }

  /**
   * Node `by` declared this one down while it was cut off: `by` has failed the actors of this node
   * that it supervised, and they run elsewhere now. Treat `by` as lost here too (stopping the actors
   * here whose parents live on `by`, so no actor runs twice); its next heartbeat brings it back.
   */
  private wasDeclaredDown(by: string): void {
    this.lastSeen.delete(by);
    this.host.nodeDown(by, 'down', `${by} declared this node down while it was cut off`);
    this.announce('beat');
  }

  /** Our connection dropped: suspend judgement. */
  disconnected(): void {
    this.connected = false;
  }

  /** Our connection is back: give every node a fresh grace period, and announce ourselves again. */
  reconnected(): void {
    const now = Date.now();
    for (const node of this.lastSeen.keys()) this.lastSeen.set(node, now);
    this.connected = true;
    this.announce('hello');
  }

  /**
   * For diagnostics only (`awaitNodes` while it waits, never the normal path): listen to the
   * announcements of every system on the server (`troupe.*.members`) until the returned function
   * is called, which says what was heard from systems other than this one.
   */
  listenToOtherSystems(): () => OtherSystems {
    const own = this.host.systemName;
    const systems = new Map<string, Set<string>>();
    let refused = false;
    let sub: Subscription | undefined;
    try {
      sub = this.nc.subscribe(membersSubject('*'), {
        callback: (err, msg) => {
          if (err !== null) {
            refused = true; // a permissions violation: the subscription is closed, the connection is fine
            return;
          }
          const system = msg.subject.split('.')[1];
          if (system === undefined || system === own) return;
          const a = parse(msg.data);
          if (a === undefined || a.kind === 'leave') return;
          let nodes = systems.get(system);
          if (nodes === undefined) systems.set(system, (nodes = new Set()));
          nodes.add(a.node);
        },
      });
    } catch {
      // closed or draining: there is nothing to hear
    }
    return () => {
      if (sub !== undefined && !sub.isClosed()) sub.unsubscribe();
      return { systems, refused };
    };
  }

  stop(): void {
    if (byEvents.get(this.host.events) === this) byEvents.delete(this.host.events);
    clearInterval(this.beatTimer);
    clearInterval(this.checkTimer);
    this.announce('leave');
  }
}
