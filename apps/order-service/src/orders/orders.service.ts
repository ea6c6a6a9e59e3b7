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

@Injectable()
export class OrdersService {
  constructor(@InjectRepository(OrderEntity) private readonly orders: Repository<OrderEntity>) {}

  async listFor(userId: string): Promise<Order[]> {
    const rows = await this.orders.find({ where: { userId }, order: { createdAt: 'DESC' }, take: 100 });
    return rows.map(toOrder);
  }

  /** The order if it belongs to this user; null otherwise (the caller answers 404 either way). */
  async findOwned(id: string, userId: string): Promise<Order | null> {
    const row = await this.orders.findOne({ where: { id, userId } });
    return row && toOrder(row);
  }

  async create(userId: string, item: string, quantity: number): Promise<Order> {
    const row = await this.orders.save(this.orders.create({ id: randomUUID(), userId, item, quantity }));
    return toOrder(row);
  }
}
