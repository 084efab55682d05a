export * from './encrypted-backups';
