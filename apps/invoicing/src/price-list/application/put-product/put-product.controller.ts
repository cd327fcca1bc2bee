import { Body, Controller, Inject, Param, Put } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { CLOCK, Clock, Roles, parseRequest } from '@billing/messaging';
import { Product } from '../../../invoicing/domain/rating';
import { productRepository } from '../../infrastructure/product.repository';
import { productBodySchema, skuSchema } from '../product-fields';

/**
 * price-list/put-product: creates or replaces one product. Invoices already issued keep the
 * prices on their lines; the next month close rates with the new ones.
 */
@Controller('v1/products')
export class PutProductController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Put(':sku')
  @Roles('operator', 'admin')
  async put(@Param() params: unknown, @Body() body: unknown): Promise<Product> {
    const { sku } = parseRequest(z.object({ sku: skuSchema }), params, 'path');
    const fields = parseRequest(productBodySchema, body);
    const product: Product = { sku, ...fields };
    await productRepository.upsert(this.dataSource.manager, [product], this.clock.now().toISOString());
    return product;
  }
}
