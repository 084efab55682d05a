export * from './timescale-service';
export * from './service-customer';
