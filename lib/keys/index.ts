export * from './customer-managed-key';
export * from './service-keys';
