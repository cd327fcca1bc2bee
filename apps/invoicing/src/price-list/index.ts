/**
 * What the price-list module publishes to the other modules of invoicing (month close, usage).
 * They import from here, never from price-list/infrastructure/ directly (a lint rule checks it).
 */
export { productRepository } from './infrastructure/product.repository';
