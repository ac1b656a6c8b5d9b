// The control socket protocol: one JSON request line, one JSON reply line (or a stream of event lines for `events`).
export type ControlRequest =
  | { cmd: 'status' }
  | { cmd: 'reconcile'; reason?: string; confirmSeconds?: number }
  | { cmd: 'confirm' }
  | { cmd: 'plan' }
  | { cmd: 'wan'; name: string; enabled: boolean }
  | { cmd: 'hook'; iface: string; phase: string }
  | { cmd: 'ha'; role: 'master' | 'backup' | 'fault'; at?: number }
  | { cmd: 'stop' }
  | { cmd: 'events' };

export type ControlReply = { ok: true; data?: unknown } | { ok: false; error: string };
