// Built-in plugin: mails WAN state changes (flaps coalesced into one message), long-down and quota notices via SMTP or sendmail.
import os from 'node:os';
import { pairGate, type MwanPlugin, type WanChange } from '../../plugin-api/index.ts';
import { Coalescer } from './coalesce.ts';
import {
  composeChanges,
  composeLongDown,
  composeQuota,
  composePeerConfig,
  composeRole,
  type MailState,
  type Transition,
} from './compose.ts';
import { isSendmail, parseMailOptions, PLUGIN_NAME, type MailOptions } from './options.ts';
import { MailSender, type Transporter } from './sender.ts';

export { parseMailOptions, mailOptionsSchema, type MailOptions } from './options.ts';
export { composeChanges, composeLongDown, formatDuration, type Transition } from './compose.ts';

/** How long teardown waits for pending messages before closing the transport (the host allows 5 s). */
export const FLUSH_WAIT_MS = 3000;

const STATE_EVENTS = {
  'wan.online': 'online',
  'wan.degraded': 'degraded',
  'wan.offline': 'offline',
} as const satisfies Record<string, MailState>;

/** Changes are grouped per WAN and family: `isp1` (IPv4, as before) and `isp1/ipv6`. */
const familyKey = (c: WanChange) => (c.family === 'ipv6' ? `${c.wan}/ipv6` : c.wan);

export interface MailPlugin extends MwanPlugin<MailOptions> {
  /** Resolves when nothing is waiting to be sent (open coalescing windows not included). */
  idle(): Promise<void>;
}

/** A fresh plugin instance; `transport` replaces the transport the system's mail service opens (tests). */
export function createMail(
  deps: { transport?: (options: MailOptions) => Transporter; host?: string } = {},
): MailPlugin {
  let sender: MailSender | undefined;
  let coalescer: Coalescer<Transition> | undefined;
  let offs: (() => void)[] = [];

  return {
    name: PLUGIN_NAME,
    options: { parse: parseMailOptions },
    async setup(ctx) {
      const options = ctx.options;
      if (!options.to) {
        const raw = ctx.config.plugins[PLUGIN_NAME];
        if (raw && Object.keys(raw).length)
          ctx.log.info({ plugin: PLUGIN_NAME }, 'no recipients (plugins.mail.to): not sending mail');
        return;
      }
      const host = deps.host ?? os.hostname();
      const mail = ctx.system.mail;
      if (!deps.transport && !mail) throw new Error('the system boundary offers no mail transport (system.mail)');
      const transport = deps.transport?.(options) ?? (await mail!.open(options.transport));
      const out = new MailSender(
        transport,
        { from: options.from, to: options.to, retries: options.retries, retryDelayMs: options.retryDelayMs },
        ctx.log,
      );
      const groups = new Coalescer<Transition>(options.coalesceMs, (_wan, transitions) =>
        out.send(composeChanges(options.subjectPrefix, host, transitions)),
      );
      const longDownSent = new Set<string>();
      sender = out;
      coalescer = groups;
      // In an HA pair both routers see the WANs; only the master mails about them.
      const gate = pairGate(ctx.config, ctx.bus, PLUGIN_NAME);
      offs.push(gate.off);
      offs.push(
        ctx.bus.on(
          'ha.role',
          (r) => {
            out.send(composeRole(options.subjectPrefix, host, r, new Date()));
          },
          PLUGIN_NAME,
        ),
      );
      // Each node mails when the pair's configurations start to differ, and when they match again.
      offs.push(
        ctx.bus.on(
          'ha.peer',
          (p) => {
            if (p.config === 'differs' || (p.config === 'matches' && p.previous === 'differs'))
              out.send(composePeerConfig(options.subjectPrefix, host, p, new Date()));
          },
          PLUGIN_NAME,
        ),
      );

      for (const [event, state] of Object.entries(STATE_EVENTS) as [keyof typeof STATE_EVENTS, MailState][]) {
        offs.push(
          ctx.bus.on(
            event,
            (change: WanChange) => {
              if (!gate.speaks()) return;
              // Each family of a WAN has its own changes and its own message.
              if (state !== 'offline') longDownSent.delete(familyKey(change));
              groups.add(familyKey(change), { state, at: new Date(), change });
            },
            PLUGIN_NAME,
          ),
        );
      }
      offs.push(
        ctx.bus.on(
          'wan.longdown',
          (change) => {
            if (!gate.speaks()) return;
            if (longDownSent.has(familyKey(change))) return; // one notice per outage
            longDownSent.add(familyKey(change));
            groups.flush(familyKey(change)); // the changes that led here go first
            out.send(composeLongDown(options.subjectPrefix, host, change, new Date()));
          },
          PLUGIN_NAME,
        ),
      );
      offs.push(
        ctx.bus.on(
          'wan.quota',
          (q) => {
            if (q.threshold === null || !gate.speaks()) return; // the periodic use figure, not a change
            const action = ctx.config.wans.find((w) => w.name === q.wan)?.quota?.action;
            out.send(composeQuota(options.subjectPrefix, host, q, new Date(), action));
          },
          PLUGIN_NAME,
        ),
      );
      ctx.log.debug(
        {
          plugin: PLUGIN_NAME,
          to: options.to,
          transport: isSendmail(options.transport) ? 'sendmail' : options.transport.host,
        },
        'mail ready',
      );
    },
    async idle() {
      await sender?.idle();
    },
    async teardown() {
      for (const off of offs) off();
      offs = [];
      coalescer?.flushAll();
      await sender?.close(FLUSH_WAIT_MS);
      sender = undefined;
      coalescer = undefined;
    },
  };
}

export default createMail();
