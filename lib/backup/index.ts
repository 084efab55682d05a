export * from './encrypted-backups';
export * from './pgbackrest-config';
export * from './pgbackrest-backups';
