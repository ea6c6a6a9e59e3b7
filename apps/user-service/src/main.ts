import './tracing';
import '@app/platform/lazy-http-websocket';
import '@app/platform/lazy-nest-timestamps';
import { runService } from '@app/platform/service';
import { createUserService } from './bootstrap';
import { userServiceConfig } from './config/user-service.config';

void runService('user-service', createUserService, userServiceConfig);
