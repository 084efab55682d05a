export * from './operator-access';
export * from './operator-bastion';
export * from './vm-access-audit';
