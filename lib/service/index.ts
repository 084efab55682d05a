export * from './timescale-service';
