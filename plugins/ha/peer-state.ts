// What one router of a pair tells the other over the peer channel, and its validation (every field, bounded sizes).
import { z } from 'zod';
import { isTimedKey, type TimedSet } from '../../plugin-api/index.ts';
import { peerLeasesSchema } from './peer-upnp.ts';
import { ROLES } from './roles.ts';

/** The peer channel's only path (versioned: a change of this shape gets a new one). */
export const PEER_PATH = '/mwan/ha/v1/state';
/** Bounds of what a node reads from its peer. */
export const PEER_LIMITS = { maxBytes: 4 << 20, sections: 64, sets: 256, elements: 65_536 } as const;

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?$/;
const HASH = /^[0-9a-f]{8}$/;
const SECTION = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const SET_NAME = /^(sticky|persist)_[A-Za-z0-9_-]{1,57}$/;

const setSchema = z.strictObject({
  name: z.string().regex(SET_NAME, 'expected a remembered-choice set name (sticky_… or persist_…)'),
  elements: z
    .array(
      z.strictObject({
        key: z.string().max(80).refine(isTimedKey, 'expected an address or two joined by " . "'),
        expiresSeconds: z.number().int().min(0).max(604_800),
      }),
    )
    .max(PEER_LIMITS.elements),
});

export const peerStateSchema = z.strictObject({
  v: z.literal(1),
  node: z.string().regex(HOST_NAME, 'expected a host name'),
  role: z.enum(ROLES as [string, ...string[]]).nullable(),
  config: z.strictObject({
    all: z.string().regex(HASH, 'expected 8 hex digits'),
    sections: z
      .record(z.string().regex(SECTION, 'expected a section name'), z.string().regex(HASH, 'expected 8 hex digits'))
      .refine((r) => Object.keys(r).length <= PEER_LIMITS.sections, `at most ${PEER_LIMITS.sections} sections`),
  }),
  sets: z
    .array(setSchema)
    .max(PEER_LIMITS.sets)
    .refine(
      (sets) => sets.reduce((n, s) => n + s.elements.length, 0) <= PEER_LIMITS.elements,
      `at most ${PEER_LIMITS.elements} elements in all`,
    ),
  /** The master's UPnP leases (absent: its upnp plugin is off or has told nothing yet). */
  upnp: peerLeasesSchema.optional(),
});

export type PeerState = Omit<z.output<typeof peerStateSchema>, 'role' | 'sets'> & {
  role: (typeof ROLES)[number] | null;
  sets: TimedSet[];
};

/** The peer's answer as a PeerState, or an error naming the first bad field. */
export function parsePeerState(body: string): PeerState {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new Error('the peer answered something that is not JSON');
  }
  const r = peerStateSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`the peer's state: ${i.path.join('.') || '(top)'}: ${i.message}`);
  }
  return r.data as PeerState;
}

/** Whether a set of this node is one the peer channel carries (remembered choices only). */
export const isRememberedSet = (name: string): boolean => SET_NAME.test(name);
