// The service manager's notifications (sd_notify(3)): READY, STATUS, RELOADING, STOPPING and watchdog heartbeats to $NOTIFY_SOCKET.
import { nativeAddon } from './probes/icmp-addon.ts';

/** How the daemon talks to systemd (Type=notify); a no-op when no service manager listens. */
export interface ServiceNotifier {
  /** Whether a service manager listens (NOTIFY_SOCKET was set). */
  readonly enabled: boolean;
  /** The interval systemd expects heartbeats within (WATCHDOG_USEC, meant for this process), or null. */
  readonly watchdogMs: number | null;
  /** Sends `KEY=value` lines in one datagram; returns why it could not (null when sent or when nobody listens). */
  notify(fields: Record<string, string>): string | null;
}

/** `READY=1\nSTATUS=…\n`: values are one line each (a newline would start another field). */
export function notifyMessage(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${v.replace(/[\r\n]+/g, ' ')}\n`)
    .join('');
}

/**
 * Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID once and removes them from the environment, so helper processes
 * (miniupnpd, event scripts) do not notify in mwan's name. Sending needs the native addon (Node has no AF_UNIX
 * datagram sockets); without it `notify` returns the reason.
 */
export function systemNotifier(env: NodeJS.ProcessEnv = process.env, pid = process.pid): ServiceNotifier {
  const socket = env.NOTIFY_SOCKET;
  const usec = Number(env.WATCHDOG_USEC);
  const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === pid;
  for (const k of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID']) delete env[k];
  if (!socket) return { enabled: false, watchdogMs: null, notify: () => null };
  return {
    enabled: true,
    watchdogMs: forUs && Number.isFinite(usec) && usec > 0 ? usec / 1000 : null,
    notify(fields) {
      const native = nativeAddon();
      if ('error' in native) return `cannot notify systemd: the native addon is needed (${native.error})`;
      try {
        native.addon.notify(socket, notifyMessage(fields));
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    },
  };
}

/** No service manager: `mwanctl plan`, tests. */
export const noNotifier: ServiceNotifier = { enabled: false, watchdogMs: null, notify: () => null };
