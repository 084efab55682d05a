export * from './customer-managed';
export * from './service-keys';
