// The VRRP roles a node of the HA pair can hold (keepalived's notify states), shared by the role tracker and the peer channel.
export type Role = 'master' | 'backup' | 'fault';
export const ROLES: readonly Role[] = ['master', 'backup', 'fault'];
