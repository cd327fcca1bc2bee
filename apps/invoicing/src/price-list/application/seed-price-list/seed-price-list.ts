import { readFile } from 'node:fs/promises';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { describeZodError } from '@billing/events';
import { CLOCK, Clock, LOGGER, Logger } from '@billing/messaging';
import { INVOICING_CONFIG, InvoicingConfig } from '../../../config';
import { productRepository } from '../../infrastructure/product.repository';
import { priceListFileSchema } from '../product-fields';

/**
 * price-list/seed: at start-up, when the product table is empty, loads PRICE_LIST_FILE. Safe
 * with several instances starting together (ON CONFLICT DO NOTHING); never overwrites prices
 * changed through the API.
 */
@Injectable()
export class SeedPriceList implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(INVOICING_CONFIG) private readonly config: InvoicingConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.execute(this.config.PRICE_LIST_FILE);
  }

  async execute(file: string): Promise<number> {
    if ((await productRepository.count(this.dataSource.manager)) > 0) return 0;
    const parsed = priceListFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!parsed.success) throw new Error(`price list ${file} is invalid: ${describeZodError(parsed.error)}`);
    const loaded = await productRepository.upsert(this.dataSource.manager, parsed.data.products, this.clock.now().toISOString(), true);
    this.logger.info({ file, loaded }, 'price list seeded');
    return loaded;
  }
}
