import { BearerToken, InvalidRequest, Principal, Scopes, UserOnly } from '@nest-oauth-m2m/auth';
import { isStorableText } from '@app/database';
import { UserDirectory, UserProfile, userIdOf } from '@app/user-directory';
import { Body, Controller, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { Order, OrdersService } from './orders.service';

export interface OrderWithOwner {
  order: Order;
  owner: UserProfile;
}

function parseNewOrder(body: unknown): { item: string; quantity: number } {
  const { item, quantity } = (body ?? {}) as Record<string, unknown>;
  if (typeof item !== 'string' || item.trim() === '' || item.length > 200 || !isStorableText(item)) {
    throw new InvalidRequest('item must be a non-empty string of at most 200 characters, without NUL');
  }
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > 1000) {
    throw new InvalidRequest('quantity must be an integer from 1 to 1000');
  }
  return { item: item.trim(), quantity };
}

/**
 * A user's orders. The user is only ever the verified token's `sub` (never a header or the body);
 * the owner's profile comes from user-service, called with order-service's own token, or with USER_LOOKUP=
 * token_exchange with one exchanged for the caller's (so it can only ever be the caller's profile).
 */
@Controller('orders')
@UserOnly()
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly users: UserDirectory,
  ) {}

  @Get()
  @Scopes('orders:read')
  async list(@Principal() caller: Principal, @BearerToken() token: string): Promise<{ orders: Order[]; owner: UserProfile }> {
    const userId = userIdOf(caller);
    const [orders, owner] = await Promise.all([this.orders.listFor(userId), this.users.profileOf(caller, token)]);
    return { orders, owner };
  }

  @Get(':id')
  @Scopes('orders:read')
  async findOne(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Principal() caller: Principal,
    @BearerToken() token: string,
  ): Promise<OrderWithOwner> {
    // Someone else's order and no order look the same: 404.
    const order = await this.orders.findOwned(id, userIdOf(caller));
    if (!order) throw new NotFoundException(`no order ${id}`);
    // findOwned: the order's owner is the caller.
    return { order, owner: await this.users.profileOf(caller, token) };
  }

  @Post()
  @HttpCode(201)
  @Scopes('orders:write')
  async create(@Body() body: unknown, @Principal() caller: Principal, @BearerToken() token: string): Promise<OrderWithOwner> {
    const userId = userIdOf(caller);
    const { item, quantity } = parseNewOrder(body);
    // The owner's profile at user-service (created on first sight) before taking the order.
    const owner = await this.users.profileOf(caller, token);
    const order = await this.orders.create(userId, item, quantity);
    return { order, owner };
  }
}
