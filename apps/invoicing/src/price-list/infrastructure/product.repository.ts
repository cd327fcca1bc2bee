import { EntityManager } from 'typeorm';
import { Product } from '../../invoicing/domain/rating';

interface ProductRow {
  sku: string;
  description: string;
  unit: Product['unit'];
  prices: Product['prices'];
}

const toProduct = (r: ProductRow): Product => ({ sku: r.sku, description: r.description, unit: r.unit, prices: r.prices });

/** The price list: data, not code. Small enough to read whole per month-close page. */
export const productRepository = {
  async upsert(manager: EntityManager, products: readonly Product[], updatedAt: string, onlyIfMissing = false): Promise<number> {
    if (products.length === 0) return 0;
    const rows: unknown[] = await manager.query(
      `INSERT INTO products (sku, description, unit, prices, updated_at)
       SELECT sku, description, unit, prices, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])
         AS p(sku, description, unit, prices)
       ON CONFLICT (sku) DO ${
         onlyIfMissing
           ? 'NOTHING'
           : 'UPDATE SET description = EXCLUDED.description, unit = EXCLUDED.unit, prices = EXCLUDED.prices, updated_at = EXCLUDED.updated_at'
       }
       RETURNING sku`,
      [
        products.map((p) => p.sku),
        products.map((p) => p.description),
        products.map((p) => p.unit),
        products.map((p) => JSON.stringify(p.prices)),
        updatedAt,
      ],
    );
    return rows.length;
  },

  async all(manager: EntityManager): Promise<Product[]> {
    const rows: ProductRow[] = await manager.query('SELECT sku, description, unit, prices FROM products ORDER BY sku');
    return rows.map(toProduct);
  },

  async count(manager: EntityManager): Promise<number> {
    const [{ count }] = await manager.query('SELECT count(*)::int AS count FROM products');
    return count;
  },

  async existingSkus(manager: EntityManager, skus: readonly string[]): Promise<Set<string>> {
    if (skus.length === 0) return new Set();
    const rows: { sku: string }[] = await manager.query('SELECT sku FROM products WHERE sku = ANY($1::text[])', [skus]);
    return new Set(rows.map((r) => r.sku));
  },
};
