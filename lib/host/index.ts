export * from './database-host';
export * from './package-source';
export * from './volume-options';
