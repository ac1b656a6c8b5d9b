// The environment of an HA role change (ha.role) for event scripts: every node of a pair runs them for its own role.
import type { MwanEvents } from '../../plugin-api/index.ts';

type RoleChange = MwanEvents['ha.role'];

/** ACTION per new role: `ha_master`, `ha_backup`, `ha_fault`. */
export const ROLE_ACTIONS = { master: 'ha_master', backup: 'ha_backup', fault: 'ha_fault' } as const;

/**
 * The documented environment of a role change: the WAN variables exist but are empty (it is about the router), HA_*
 * name the new role, the previous one (empty at the first), this node and its peer.
 */
export function roleEnv(r: RoleChange): Record<string, string> {
  return {
    ACTION: ROLE_ACTIONS[r.role],
    EVENT: 'ha.role',
    WAN: '',
    INTERFACE: '',
    DEVICE: '',
    GATEWAY: '',
    RTT_MS: '',
    LOSS_PCT: '',
    REASON: `HA node ${r.node} is ${r.role}${r.previous ? ` (was ${r.previous})` : ''}`,
    DOWN_FOR_S: '',
    MWAN_FAMILY: '',
    HA_ROLE: r.role,
    HA_PREVIOUS_ROLE: r.previous ?? '',
    HA_NODE: r.node,
    HA_PEER: r.peer,
  };
}
