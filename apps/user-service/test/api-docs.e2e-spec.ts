import { describeResourceServerDocs } from '../../../test/support/resource-server-docs.suite';

describeResourceServerDocs('user-service', 'api://user-service', (platform) => platform.users);
