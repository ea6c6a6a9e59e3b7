import './tracing';
import { runService } from '@app/platform/service';
import { createOrderService } from './bootstrap';
import { orderServiceConfig } from './config/order-service.config';

void runService('order-service', createOrderService, orderServiceConfig);
