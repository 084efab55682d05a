export * from './timescale-service-base';
export * from './timescale-service';
export * from './service-customer';
