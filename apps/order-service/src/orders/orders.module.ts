import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserServiceClientModule } from '../user-service-client/user-service-client.module';
import { OrderEntity } from './order.entity';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

@Module({
  imports: [TypeOrmModule.forFeature([OrderEntity]), UserServiceClientModule],
  controllers: [OrdersController],
  providers: [OrdersService],
})
export class OrdersModule {}
