import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { OrderEntity } from './order.entity';

export interface Order {
  id: string;
  user_id: string;
  item: string;
  quantity: number;
  created_at: string;
}

function toOrder(entity: OrderEntity): Order {
  return {
    id: entity.id,
    user_id: entity.userId,
    item: entity.item,
    quantity: entity.quantity,
    created_at: entity.createdAt.toISOString(),
  };
}

interface OrderRow {
  o_id: string;
  o_user_id: string;
  o_item: string;
  o_quantity: number;
  o_created_at: Date;
}

@Injectable()
export class OrdersService {
  /**
   * findOwned's statement, built once by TypeORM's query builder (schema, quoting, column names from
   * the entity) and run as is. The flow reads one order per request, and findOne rebuilt this SQL on
   * every call: ~27 KB of garbage each (alias maps, regex passes, the result transformer), which under
   * the flow's load outlived two young-generation collections and was promoted, the order-service's
   * biggest source of old-generation growth after fetch (bench/README.md, issue 28).
   */
  private readonly findOwnedSql: string;

  constructor(@InjectRepository(OrderEntity) private readonly orders: Repository<OrderEntity>) {
    [this.findOwnedSql] = orders.createQueryBuilder('o').where('o.id = :id AND o.userId = :userId', { id: '', userId: '' }).getQueryAndParameters();
  }

  async listFor(userId: string): Promise<Order[]> {
    const rows = await this.orders.find({ where: { userId }, order: { createdAt: 'DESC' }, take: 100 });
    return rows.map(toOrder);
  }

  /** The order if it belongs to this user; null otherwise (the caller answers 404 either way). */
  async findOwned(id: string, userId: string): Promise<Order | null> {
    const [row] = (await this.orders.query(this.findOwnedSql, [id, userId])) as OrderRow[];
    return row ? toOrder({ id: row.o_id, userId: row.o_user_id, item: row.o_item, quantity: row.o_quantity, createdAt: row.o_created_at }) : null;
  }

  async create(userId: string, item: string, quantity: number): Promise<Order> {
    const row = await this.orders.save(this.orders.create({ id: randomUUID(), userId, item, quantity }));
    return toOrder(row);
  }
}
