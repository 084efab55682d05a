export * from './approved-access';
export * from './audit-settings';
export * from './customer-access';
export * from './pg-hba';
export * from './postgresql-conf';
export * from './tls-settings';
