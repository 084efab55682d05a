export * from './server-certificate';
export * from './database-endpoint';
