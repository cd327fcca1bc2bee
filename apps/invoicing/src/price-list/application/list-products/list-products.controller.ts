import { Controller, Get } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Roles } from '@billing/messaging';
import { productRepository } from '../../infrastructure/product.repository';

@Controller('v1/products')
export class ListProductsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @Roles('operator', 'admin', 'finance', 'service')
  async list() {
    return { items: await productRepository.all(this.dataSource.manager) };
  }
}
