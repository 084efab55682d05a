export * from './service-network';
export * from './customer-peering';
export * from './customer-peering-accepter';
export * from './service-dns';
