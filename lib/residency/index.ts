export * from './data-residency';
