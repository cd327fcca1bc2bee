/**
 * What the usage module publishes to the other modules of invoicing (month close).
 * They import from here, never from usage/infrastructure/ directly (a lint rule checks it).
 */
export { usageRepository } from './infrastructure/usage.repository';
