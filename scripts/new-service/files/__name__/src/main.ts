import './tracing';
import '@app/platform/lazy-http-websocket';
import '@app/platform/lazy-nest-timestamps';
import { runService } from '@app/platform/service';
import { create__Name__ } from './bootstrap';
import { __nameCamel__Config } from './config/__name__.config';

void runService('__name__', create__Name__, __nameCamel__Config);
