import { describeResourceServerDocs } from '../../../test/support/resource-server-docs.suite';

describeResourceServerDocs('order-service', 'api://order-service', (platform) => platform.orders);
