import './tracing';
import { runService } from '@app/platform/service';
import { createUserService } from './bootstrap';
import { userServiceConfig } from './config/user-service.config';

void runService('user-service', createUserService, userServiceConfig);
