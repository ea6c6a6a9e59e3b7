import './tracing';
import '@app/platform/lazy-http-websocket';
import '@app/platform/lazy-nest-timestamps';
import { runService } from '@app/platform/service';
import { createOrderService } from './bootstrap';
import { orderServiceConfig } from './config/order-service.config';

void runService('order-service', createOrderService, orderServiceConfig);
